"""Reading the CSV files people export from spreadsheets and CRMs, for imports.

Accepted: UTF-8 text, with or without a byte order mark (Excel's “CSV UTF-8” writes one),
separated by commas, semicolons (Excel in much of Europe) or tabs, with the column names on
the first line. Anything else is refused with a ``ValidationError`` on ``file`` that says what
to do, rather than guessed at: a wrong guess of an encoding garbles names silently.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

DELIMITERS = (",", ";", "\t")  # the one splitting the header into most columns wins; ties go to the first
SNIFF_BYTES = 64 * 1024
# Numbers JSON (and JavaScript) hold exactly; leading zeros (zip codes, "007") stay text.
_INTEGER = re.compile(r"-?(?:0|[1-9]\d{0,14})")
_DECIMAL = re.compile(r"-?(?:0|[1-9]\d*)\.\d+")

Records = Iterator[tuple[int, list[str]]]


def file_error(message: str) -> ValidationError:
    return ValidationError({"file": [message]})


def _not_utf8(line: int) -> ValidationError:
    return file_error(
        _("The file is not UTF-8 text (near line %(line)s). Save it as “CSV UTF-8” and upload it again.")
        % {"line": line}
    )


def _sniff(binary: IO[bytes]) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV file."""
    binary.seek(0)
    head = binary.read(SNIFF_BYTES)
    binary.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise file_error(_("The file is UTF-16 text. Save it as “CSV UTF-8” and upload it again."))
    if b"\x00" in head:
        raise file_error(
            _("This is not a CSV text file. Export it as “CSV UTF-8” (in Excel: Save as → CSV UTF-8) and try again.")
        )
    encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
    try:  # not final: the cut may split a character
        text = codecs.getincrementaldecoder(encoding)().decode(head)
    except UnicodeDecodeError as exc:
        raise _not_utf8(head[: exc.start].count(b"\n") + 1) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    return encoding, max(DELIMITERS, key=lambda d: len(next(csv.reader([first], delimiter=d))))


def _records(reader: Any) -> Records:
    """(line number where the record starts, cells) of every record that is not blank."""
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise _not_utf8(line) from None
        except csv.Error as exc:
            raise file_error(
                _("Line %(line)s cannot be read as CSV: %(error)s") % {"line": line, "error": exc}
            ) from None
        if any("\x00" in cell for cell in cells):  # PostgreSQL cannot store it, and text files have none
            raise file_error(_("Line %(line)s contains a NUL character: this is not a CSV text file.") % {"line": line})
        if any(cell.strip() for cell in cells):
            yield line, cells


def _header(records: Records) -> list[str]:
    first = next(records, None)
    if first is None:
        raise file_error(_("The file is empty."))
    names = [cell.strip() for cell in first[1]]
    while names and not names[-1]:  # spreadsheets export trailing empty columns
        names.pop()
    seen: set[str] = set()
    for number, name in enumerate(names, start=1):
        if not name:
            raise file_error(_("Column %(number)s has no name in the first line.") % {"number": number})
        if name.lower() in seen:
            raise file_error(_("The column name “%(name)s” appears twice in the first line.") % {"name": name})
        seen.add(name.lower())
        if "@" in name:
            try:
                validate_email(name)
            except ValidationError:
                continue
            raise file_error(
                _("The first line must name the columns, but “%(name)s” looks like data. Add a header line.")
                % {"name": name}
            )
    return names


@contextmanager
def csv_open(*, binary: IO[bytes]) -> Iterator[tuple[list[str], Records]]:
    """The column names and the data records (line number, cells) of an open CSV file.

    Blank lines are skipped; line numbers count physical lines from 1 (the header), so they
    match what a text editor shows. ``ValidationError`` on ``file`` names what is wrong, also
    while iterating (a bad byte far into the file). The caller closes ``binary``.
    """
    encoding, delimiter = _sniff(binary)
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    try:
        records = _records(csv.reader(text, delimiter=delimiter))
        yield _header(records), records
    finally:
        text.detach()  # leave the file open for its owner


def cell_typed(value: str) -> Any:
    """``"12"`` → 12, ``"4.5"`` → 4.5, ``"true"``/``"false"`` → booleans; anything else stays text."""
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    if _INTEGER.fullmatch(value):
        return int(value)
    if _DECIMAL.fullmatch(value) and sum(c.isdigit() for c in value) <= 15:
        return float(value)
    return value

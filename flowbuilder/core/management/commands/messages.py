"""Update, check or compile the translation catalogues (pure Python; no GNU gettext needed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from flowbuilder.core import messages


class Command(BaseCommand):
    help = (
        "Extract translatable strings and update locale/<lang>/LC_MESSAGES/*.po, then compile .mo files. "
        "--check fails when a catalogue is not complete and current; --compile only compiles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--check", action="store_true", help="Report missing, untranslated, fuzzy or obsolete entries."
        )
        mode.add_argument("--compile", action="store_true", help="Only compile .po files into .mo files.")

    def handle(self, *args: Any, check: bool, compile: bool, **options: Any) -> None:
        if compile:
            written = messages.compile_catalogues()
            self.stdout.write(f"Compiled {len(written)} catalogue(s).")
            return
        sources = {domain: messages.extract_domain(domain) for domain in messages.DOMAINS}
        if check:
            problems = [
                found
                for language in messages.translated_languages()
                for domain in messages.DOMAINS
                if (found := messages.check(language, domain, sources[domain]))
            ]
            report = [p.describe() for p in problems]
            report += [
                f"{path}: text not marked for translation: {texts!r}"
                for path, texts in messages.unmarked_texts().items()
            ]
            if report:
                raise CommandError("Translations are not complete:\n" + "\n".join(report))
            counts = ", ".join(f"{domain}: {len(sources[domain])}" for domain in messages.DOMAINS)
            self.stdout.write(f"All catalogues complete ({counts} strings).")
            return
        for language in messages.translated_languages():
            for domain in messages.DOMAINS:
                catalog = messages.update(language, domain, sources[domain])
                untranslated = sum(1 for m in catalog if m.id and not m.string)
                self.stdout.write(f"{language}/{domain}: {len(catalog)} strings, {untranslated} untranslated")
        messages.compile_catalogues()

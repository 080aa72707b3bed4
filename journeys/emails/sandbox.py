"""The Jinja2 sandbox emails render in: what a template may touch, and how much it may make.

``ImmutableSandboxedEnvironment`` already refuses private attributes (``__class__``…) and any
change to the values it is given. This module adds limits, so a template cannot make a worker
spend minutes or gigabytes on one contact:

- values made by ``*``, ``%``, ``~``, ``str.format``, and the ``join``, ``replace``, ``center``,
  ``indent``, ``wordwrap``, ``format`` filters and string methods are at most ``MAX_STRING``
  characters, checked *before* they are made; ``**`` makes at most ``MAX_POWER_BITS`` bits;
- ``range`` gives at most ``MAX_RANGE`` numbers, ``batch``/``slice`` at most that many groups;
- loop passes and calls (macros included, which could otherwise recurse exponentially) are at
  most ``MAX_STEPS`` per render, and a rendered part at most ``MAX_OUTPUT`` characters.

Going over a limit raises ``SecurityError``. Missing values render empty through ``Missing``,
which remembers their names in the current ``RenderState`` (one per render, per thread).
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jinja2 import ChainableUndefined, Undefined, nodes, pass_environment, pass_eval_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.filters import (
    do_batch,
    do_center,
    do_format,
    do_indent,
    do_replace,
    do_tojson,
    do_wordwrap,
    sync_do_join,
    sync_do_slice,
)
from jinja2.runtime import TemplateReference, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_RANGE = 1000
MAX_STRING = 100_000
MAX_POWER_BITS = 4096
MAX_STEPS = 20_000
MAX_OUTPUT = 1_000_000
MAX_INDENT = 100
_COUNTED = "__counted__"  # the name loops are routed through (see ``_generate``)


# --- per-render state: missing names and the step budget -------------------------------------------


@dataclass
class RenderState:
    missing: set[str] = field(default_factory=set)
    steps: int = 0


_state: ContextVar[RenderState | None] = ContextVar("email_render_state", default=None)


@contextmanager
def render_state() -> Iterator[RenderState]:
    """A fresh budget and list of missing names for the renders inside the block."""
    state = RenderState()
    token = _state.set(state)
    try:
        yield state
    finally:
        _state.reset(token)


def _step() -> None:
    state = _state.get()
    if state is not None:
        state.steps += 1
        if state.steps > MAX_STEPS:
            raise SecurityError(f"more than {MAX_STEPS:,} loop passes and calls")


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _step()
        yield item


class Missing(ChainableUndefined):
    """Renders as nothing but remembers its name (``contact.attributes.plan``), so a preview or
    a send can report it. ``event.order.total`` with no ``order`` is missing as ``event.order``.
    A value the sandbox refused (``''.__class__``) is not missing: using it raises."""

    __slots__ = ()

    def _full_name(self) -> str | None:
        parent = getattr(self._undefined_obj, "path", None)
        return f"{parent}.{self._undefined_name}" if parent and self._undefined_name else self._undefined_name

    def _refuse_if_unsafe(self) -> None:
        if self._undefined_exception is SecurityError:
            self._fail_with_undefined_error()

    def _report(self) -> None:
        self._refuse_if_unsafe()
        state = _state.get()
        name = self._full_name()
        if state is not None and name:
            state.missing.add(name)

    def __str__(self) -> str:
        self._report()
        return ""

    def __iter__(self) -> Iterator[Any]:
        self._report()
        return iter(())

    def __bool__(self) -> bool:
        return False

    def __getattr__(self, name: str) -> Any:
        if name[:2] == "__":
            raise AttributeError(name)
        self._refuse_if_unsafe()
        return self

    def __getitem__(self, key: Any) -> Any:
        self._refuse_if_unsafe()
        return self


# --- size checks ----------------------------------------------------------------------------------


def _limit(size: int, what: str = "text") -> None:
    if size > MAX_STRING:
        raise SecurityError(f"a {what} of more than {MAX_STRING:,} characters")


def _length(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 20


def _number(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _check_repeat(left: Any, right: Any) -> None:
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int):
            _limit(len(sequence) * times)


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(exponent, int | float) and abs(exponent) > 64:
        raise SecurityError("exponent too large")
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and exponent > 0
        and abs(base).bit_length() * exponent > MAX_POWER_BITS
    ):
        raise SecurityError("number too large")


_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_printf(template: str, values: Any) -> None:
    """``"%10s" % x``: no field wider than MAX_STRING, no result longer than it."""
    fields = 0
    for match in _PRINTF_FIELD.finditer(template):
        fields += 1
        for number in match.groups():
            if number == "*" or (number and int(number) > MAX_STRING):
                raise SecurityError("format width too large")
    if isinstance(values, dict):
        longest = max((_length(v) for v in values.values()), default=0)
    elif isinstance(values, tuple):
        longest = max((_length(v) for v in values), default=0)
    else:
        longest = _length(values)
    _limit(len(template) + fields * longest)


def _check_format(template: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """``"{:>10}".format(x)``: the same limits for ``str.format``."""
    fields = 0
    for _literal, name, spec, _conversion in string.Formatter().parse(template):
        if name is None:
            continue
        fields += 1
        if spec and ("{" in spec or any(int(n) > MAX_STRING for n in re.findall(r"\d+", spec))):
            raise SecurityError("format width too large")
    values = [*args, *kwargs.values()]
    if len(args) == 1 and isinstance(args[0], dict):  # format_map
        values = list(args[0].values())
    _limit(len(template) + fields * max((_length(v) for v in values), default=0))


def _check_replace(text: Any, old: Any, new: Any, count: Any = None) -> None:
    if isinstance(text, str | bytes) and isinstance(old, str | bytes) and isinstance(new, str | bytes):
        times = len(text) + 1 if not old else text.count(old)  # type: ignore[arg-type]
        if isinstance(count, int) and count >= 0:
            times = min(times, count)
        _limit(len(text) + times * max(0, len(new) - len(old)))


def _check_join(separator: Any, items: list[Any]) -> None:
    _limit(sum(_length(item) for item in items) + _length(separator) * max(0, len(items) - 1))


def _checked_method(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Check a call of a str/bytes/int method that can make big values; returns the arguments
    (an iterable given to ``join`` is read once, here)."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if isinstance(owner, str | bytes):
        if name in ("center", "ljust", "rjust", "zfill"):
            _limit(_number(args[0]) if args else _number(kwargs.get("width")))
        elif name == "expandtabs":
            tabsize = _number(args[0]) if args else _number(kwargs.get("tabsize", 8))
            _limit(len(owner) + owner.count("\t" if isinstance(owner, str) else b"\t") * tabsize)  # type: ignore[arg-type]
        elif name == "replace" and len(args) >= 2:
            _check_replace(owner, *args[:3])
        elif name == "join" and args:
            items = list(args[0])
            _check_join(owner, items)
            return (items, *args[1:])
        elif name == "translate":
            raise SecurityError("translate is not available in emails")
    elif isinstance(owner, int) and name == "to_bytes":
        _limit(_number(args[0]) if args else _number(kwargs.get("length", 1)))
    return args


# --- guarded filters ------------------------------------------------------------------------------


def _center(value: Any, width: int = 80) -> str:
    _limit(_number(width))
    return do_center(value, width)


def _indent(value: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    size = len(width) if isinstance(width, str) else _number(width)
    if size > MAX_INDENT:
        raise SecurityError(f"indent of more than {MAX_INDENT} characters")
    text = str(value)
    _limit(len(text) + (text.count("\n") + 1) * size)
    return do_indent(value, width, first, blank)


@pass_environment
def _wordwrap(environment: Any, value: Any, width: int = 79, *args: Any, **kwargs: Any) -> str:
    wrapstring = kwargs.get("wrapstring", args[1] if len(args) > 1 else None) or "\n"
    text = str(value)
    _limit(len(text) + (len(text) // max(1, _number(width)) + text.count("\n") + 1) * _length(wrapstring))
    return do_wordwrap(environment, value, width, *args, **kwargs)


@pass_eval_context
def _replace(eval_ctx: Any, value: Any, old: str, new: str, count: int | None = None) -> str:
    _check_replace(str(value), str(old), str(new), count)
    return do_replace(eval_ctx, value, old, new, count)


@pass_eval_context
def _join(eval_ctx: Any, value: Iterable[Any], d: str = "", attribute: Any = None) -> str:
    items = list(value)
    _check_join(d, items)
    return sync_do_join(eval_ctx, items, d, attribute)


def _format(value: Any, *args: Any, **kwargs: Any) -> str:
    _check_printf(str(value), kwargs or args)
    return do_format(value, *args, **kwargs)


def _batch(value: Any, linecount: int, fill_with: Any = None) -> Any:
    if _number(linecount) > MAX_RANGE:
        raise SecurityError(f"batches of more than {MAX_RANGE} items")
    return do_batch(value, linecount, fill_with)


def _slice(value: Any, slices: int, fill_with: Any = None) -> Any:
    if _number(slices) > MAX_RANGE:
        raise SecurityError(f"more than {MAX_RANGE} slices")
    return sync_do_slice(value, slices, fill_with)


@pass_eval_context
def _tojson(eval_ctx: Any, value: Any, indent: int | None = None) -> Any:
    if indent is not None and _number(indent) > 16:
        raise SecurityError("indent too large")
    return do_tojson(eval_ctx, value, indent)


GUARDED_FILTERS: dict[str, Callable[..., Any]] = {
    "center": _center,
    "indent": _indent,
    "wordwrap": _wordwrap,
    "replace": _replace,
    "join": _join,
    "format": _format,
    "batch": _batch,
    "slice": _slice,
    "tojson": _tojson,
}


def safe_range(*args: int) -> range:
    result = range(*args)
    try:
        size = len(result)
    except OverflowError:
        size = MAX_RANGE + 1
    if size > MAX_RANGE:
        raise SecurityError(f"range of more than {MAX_RANGE} items")
    return result


# --- the environment ------------------------------------------------------------------------------


class _CodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        """``a ~ b``: through ``SandboxEnvironment.joined``, which checks the size first."""
        markup = "context.eval_ctx.autoescape" if frame.eval_ctx.volatile else repr(bool(frame.eval_ctx.autoescape))
        self.write("environment.joined((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write(f"), {markup})")


def _shown(value: Any) -> Any:
    """What ``{{ … }}`` prints: values as they are, but nothing for functions and Jinja's own
    objects (``{{ range }}``, ``{{ self }}`` would print Python internals and an address)."""
    if isinstance(value, Undefined):
        return value  # renders empty and is reported as missing
    if callable(value) or isinstance(value, TemplateReference):
        return ""
    return value


class SandboxEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%"})
    code_generator_class = _CodeGenerator

    def __init__(self, **options: Any) -> None:
        super().__init__(undefined=Missing, finalize=_shown, **options)
        # Nothing else global: no lipsum, cycler, joiner, namespace, dict.
        self.globals = {"range": safe_range, _COUNTED: _counted}
        self.filters.update(GUARDED_FILTERS)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _check_repeat(left, right)
        elif operator == "**":
            _check_power(left, right)
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, right)
        return super().call_binop(context, operator, left, right)

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        _step()
        args = _checked_method(obj, args, kwargs)
        return super().call(context, obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapper = super().wrap_str_format(value)
        if wrapper is None:
            return None
        template = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            _check_format(template, args, kwargs)
            return wrapper(*args, **kwargs)

        return checked

    def joined(self, parts: tuple[Any, ...], markup: bool) -> str:
        _limit(sum(_length(part) for part in parts))
        return markup_join(parts) if markup else str_join(parts)

    def concat(self, parts: Iterable[str]) -> str:
        """Join rendered output (a whole part, or a block's buffer), stopping at MAX_OUTPUT."""
        pieces: list[str] = []
        size = 0
        for piece in parts:
            size += len(piece)
            if size > MAX_OUTPUT:
                raise SecurityError(f"an email part of more than {MAX_OUTPUT:,} characters")
            pieces.append(piece)
        return "".join(pieces)

    def _generate(
        self, source: nodes.Template, name: str | None, filename: str | None, defer_init: bool = False
    ) -> str:
        # Every loop runs through ``_counted``, which spends the render's step budget.
        for loop in source.find_all(nodes.For):
            loop.iter = nodes.Call(
                nodes.Name(_COUNTED, "load", lineno=loop.lineno), [loop.iter], [], None, None, lineno=loop.lineno
            )
        source.set_environment(self)
        return super()._generate(source, name, filename, defer_init)

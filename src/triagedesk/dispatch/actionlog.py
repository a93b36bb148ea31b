"""The dispatcher's action log on stdlib `logging`: one record per action, one line per record, `key=value`
text or one JSON object a line (`--log-format json`), credentials masked, a traceback never over two lines."""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

from triagedesk.dispatch.masking import mask

LOGGER = "triagedesk.dispatch.actions"
_QUOTE = re.compile(r'^$|[\s"=\\]|[^\x21-\x7e]')
"""A text value is quoted (JSON-escaped, so ASCII only) when it is empty or holds a space, quote, `=`, backslash,
a control character or anything outside printable ASCII: a hostile id cannot forge a second line or field."""


class ActionFormatter(logging.Formatter):
    """An action record (its message the event, `record.fields` the rest) as one line: `text` or `json`. A
    record with an exception gets `error` (its type and text) and `traceback` (the whole of it, escaped into the
    one line), so a JSON reader never meets a bare traceback line."""

    def __init__(self, style: str = "text") -> None:
        super().__init__()
        if style not in ("text", "json"):
            raise ValueError(f"log format {style!r}: expected text or json")
        self.style = style

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        given: dict[str, Any] = getattr(record, "fields", None) or {}
        out = {k: mask(v) if isinstance(v, str) else v for k, v in given.items() if v is not None}
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            out.setdefault("error", mask(f"{type(exc).__name__}: {exc}"))
            out["traceback"] = mask("".join(traceback.format_exception(exc)).rstrip())
        return out

    def format(self, record: logging.LogRecord) -> str:
        event = mask(str(record.msg))
        fields = self.fields(record)
        if self.style == "json":
            return json.dumps({"event": event, **fields}, default=str)  # escapes every newline: one line
        parts = " ".join(f"{k}={_text(v)}" for k, v in fields.items())
        return f"{_text(event)} {parts}".rstrip()


def _text(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) and _QUOTE.search(value) else str(value)


class LineHandler(logging.Handler):
    """Hands each formatted line to `emit` (stderr in the service, a list in tests)."""

    def __init__(self, emit: Callable[[str], None], formatter: logging.Formatter) -> None:
        super().__init__()
        self.setFormatter(formatter)
        self.write = emit

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.write(self.format(record))
        except Exception:  # a closed stream must not stop the dispatcher
            self.handleError(record)


class ActionLog:
    """`log(event, **fields)`: one action as one record of its own logger (each dispatcher's lines go to its own
    handler, so two in one process never share them); `failed(event, exc, **fields)` carries the exception."""

    def __init__(self, fmt: str = "text", emit: Callable[[str], None] | None = None) -> None:
        self.fmt = fmt
        self.logger = logging.Logger(LOGGER, logging.INFO)
        formatter = ActionFormatter(fmt)
        handler: logging.Handler = LineHandler(emit, formatter) if emit is not None else logging.StreamHandler()
        handler.setFormatter(formatter)
        self.logger.addHandler(handler)

    def __call__(self, event: str, **fields: Any) -> None:
        self.logger.info(event, extra={"fields": fields})

    def failed(self, event: str, exc: BaseException, **fields: Any) -> None:
        self.logger.error(event, exc_info=exc, extra={"fields": fields})

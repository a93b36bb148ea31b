"""Alertmanager's label matchers (`alertname=DiskFull`, `severity!=info`, `job=~"api|web"`, `env!~dev.*`): the one
condition every intake rule and every maintenance window is written in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPS = ("=~", "!~", "!=", "=")


@dataclass(frozen=True)
class Matcher:
    """One label test, as Alertmanager reads it: a missing label is the empty string; a regex is anchored at both
    ends (`=~"api|web"` matches `api`, never `api-2`)."""

    name: str
    op: str
    value: str
    pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    def matches(self, labels: Mapping[str, str]) -> bool:
        have = labels.get(self.name, "")
        if self.op == "=":
            return have == self.value
        if self.op == "!=":
            return have != self.value
        assert self.pattern is not None
        found = self.pattern.fullmatch(have) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f"{self.name}{self.op}{self.value}"


def parse_matcher(text: str) -> Matcher:
    """`NAME OP VALUE` with OP one of `=`, `!=`, `=~`, `!~`; the value may be double-quoted. A ValueError says what
    is wrong in one line."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a matcher is LABEL=VALUE (or !=, =~, !~), not empty")
    body = text.strip()
    at = min(((body.find(op), op) for op in _OPS if op in body), key=lambda pair: (pair[0], -len(pair[1])),
             default=(-1, ""))
    place, op = at
    if place < 0:
        raise ValueError(f"{text!r} is not a matcher: expected LABEL=VALUE (or !=, =~, !~)")
    name, value = body[:place].strip(), body[place + len(op):].strip()
    if not _NAME.fullmatch(name):
        raise ValueError(f"{text!r}: {name!r} is not a label name (letters, digits and _, not starting with a digit)")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    pattern = None
    if op in ("=~", "!~"):
        try:
            pattern = re.compile(value)
        except re.error as exc:
            raise ValueError(f"{text!r}: not a regular expression: {exc}") from None
    return Matcher(name, op, value, pattern)


def parse_all(texts: Iterable[str]) -> tuple[Matcher, ...]:
    return tuple(parse_matcher(t) for t in texts)


def all_match(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """Every matcher holds (no matcher: every alert)."""
    return all(m.matches(labels) for m in matchers)

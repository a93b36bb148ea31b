"""The action log on stdlib logging: one line per record in both formats, tracebacks folded into the line,
credentials masked, each dispatcher's lines its own; the text and JSON lines carry the same fields."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triagedesk.dispatch.actionlog import ActionFormatter, ActionLog

_PAIR = re.compile(r'([a-z_]+)=("(?:[^"\\]|\\.)*"|\S+)')


def _boom() -> ValueError:
    try:
        raise ValueError("disk full\nsecond line of https://user:hunter2@example.org/x")
    except ValueError as exc:
        return exc


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="expected text or json"):
        ActionFormatter("yaml")


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_failure_with_its_traceback_is_one_line_without_the_password(fmt: str) -> None:
    lines: list[str] = []
    ActionLog(fmt, lines.append).failed("pass_failed", _boom(), at="2026-01-05T00:00:00Z")
    assert len(lines) == 1
    [line] = lines
    assert "\n" not in line and "hunter2" not in line
    assert "Traceback (most recent call last)" in line and "_boom" in line
    if fmt == "json":
        data = json.loads(line)
        assert data["event"] == "pass_failed"
        assert data["error"].startswith("ValueError: disk full\nsecond line of https://***@example.org")
        assert data["traceback"].count("\n") >= 2           # the whole traceback, escaped into one line
    else:
        assert line.startswith("pass_failed at=2026-01-05T00:00:00Z error=\"ValueError: disk full\\n")


def test_two_logs_in_one_process_keep_their_own_lines() -> None:
    first: list[str] = []
    second: list[str] = []
    ActionLog("json", first.append)("sent", message="m-1")
    ActionLog("text", second.append)("sent", message="m-2")
    assert [json.loads(line)["message"] for line in first] == ["m-1"]
    assert second == ["sent message=m-2"]


def test_a_field_left_none_is_left_out_and_numbers_stay_numbers() -> None:
    lines: list[str] = []
    ActionLog("json", lines.append)("pass", actions=3, expert=None)
    assert json.loads(lines[0]) == {"event": "pass", "actions": 3}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True).filter(lambda k: k != "event"),
                       st.text(max_size=30), max_size=5))
def test_the_text_and_json_lines_say_the_same(fields: dict[str, str]) -> None:
    text: list[str] = []
    as_json: list[str] = []
    ActionLog("text", text.append)("sent", **fields)
    ActionLog("json", as_json.append)("sent", **fields)
    assert len(text) == 1 and len(as_json) == 1
    assert "\n" not in text[0] and "\n" not in as_json[0]
    assert not any(ord(c) < 32 or c == "\x7f" for c in text[0])
    event, _, rest = text[0].partition(" ")
    parsed = {k: json.loads(v) if v.startswith('"') else v for k, v in _PAIR.findall(rest)}
    assert {"event": event, **parsed} == json.loads(as_json[0])

"""One module for instants: every record's time written `...Z` and read back the same, whatever offset it came in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triagedesk.domain import instants

aware = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1),
                     timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                                                timezone(timedelta(hours=-8))]))


@given(aware)
def test_a_stamp_is_utc_with_z_and_reads_back_as_the_same_instant(moment: datetime) -> None:
    text = instants.stamp(moment)
    assert text.endswith("Z") and "+" not in text
    back = instants.parse(text)
    assert back == moment and back.tzinfo == UTC


def test_a_naive_time_is_taken_as_utc_and_junk_is_none_or_an_error() -> None:
    assert instants.parse("2026-01-05T14:00:00") == datetime(2026, 1, 5, 14, tzinfo=UTC)
    assert instants.stamp(datetime(2026, 1, 5, 14)) == "2026-01-05T14:00:00Z"
    assert instants.parse("2026-01-05T15:00:00+01:00") == datetime(2026, 1, 5, 14, tzinfo=UTC)
    for junk in ("", None, 5, "yesterday", "2026-13-01"):
        assert instants.parse_or_none(junk) is None
    with pytest.raises(ValueError):
        instants.parse("yesterday")


def test_no_other_module_writes_or_reads_z_by_hand() -> None:
    from pathlib import Path

    import triagedesk

    root = Path(triagedesk.__file__).parent
    found = [str(p.relative_to(root)) for p in root.rglob("*.py") if p.name != "instants.py"
             and ('replace("+00:00", "Z")' in p.read_text("utf-8") or 'replace("Z", "+00:00")' in p.read_text("utf-8"))]
    assert found == []

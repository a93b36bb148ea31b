"""Review of issue #26: maintenance windows' checks, each defect an xfail(strict) test until it is fixed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from triagedesk.domain.errors import InputError
from triagedesk.domain.intake import maintenance

NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
START = NOW + timedelta(hours=1)


@pytest.mark.xfail(strict=True, reason="FINDING 2: a window whose every matcher matches the empty string "
                   "(`foo=`, `job=~.*`) silences every alert, critical ones of unrelated services included; "
                   "Alertmanager refuses such a silence, and the code's own 'it would silence every alert' check "
                   "only catches no --match at all")
@pytest.mark.parametrize("matchers", [["foo="], ["job=~.*"], ["team!=db"]])
def test_finding_2_a_window_that_matches_every_alert_is_refused(matchers: list[str]) -> None:
    window = None
    try:
        window = maintenance.new_window("W-1", matchers, START, START + timedelta(hours=1), "typo", [], "cora", NOW)
    except InputError as exc:
        assert "--match" in str(exc)
    assert window is None


@pytest.mark.xfail(strict=True, reason="FINDING 5: docs say a window 'lasts at most 31 days', but one of exactly "
                   "31 days is refused")
def test_finding_5_a_window_of_exactly_31_days_is_accepted_as_documented() -> None:
    window = maintenance.new_window("W-1", ["job=db"], START, START + timedelta(days=31), "long freeze", [],
                                    "cora", NOW)
    assert window.ends_at - window.starts_at == timedelta(days=31)

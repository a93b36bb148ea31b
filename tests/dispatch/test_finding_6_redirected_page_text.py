"""FINDING 6 (review of #25): a page redirected to whoever covers (Zammad #4432) still speaks to the holder.

An at-risk page due at night, outside the holder's hours, goes to the person on call (`night-owl`), but its text is
the holder's: "DAY-BER, ... Please update the desk or hand it back." The one who is woken is greeted by someone
else's name, asked to hand back a request they do not hold, and told nowhere that they get it because they are
on call for it; at 3 a.m. that reads as a misdirected message and is ignored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dispatch.test_oncall_routing import _night_page


@pytest.mark.xfail(strict=True, reason="FINDING 6: a page redirected to the person on call is addressed to the "
                                       "holder and never says the recipient gets it as the one covering")
def test_finding_6_a_page_redirected_to_the_on_call_person_is_addressed_to_them(tmp_path: Path) -> None:
    page, _ = _night_page(tmp_path, covered=True)
    assert page["expert_id"] == "night-owl" and page["kind"] == "at_risk"
    greeting = page["body"].split("\n\n")[1]
    assert greeting.strip() != "DAY-BER,"  # not someone else's name as the greeting
    assert "NIGHT-OWL" in page["body"] and "on call" in page["body"].lower()

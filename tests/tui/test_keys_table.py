"""The key table decides what the footer offers: only what the selected request's state allows."""

from __future__ import annotations

from triagedesk.tui import keys
from triagedesk.tui.keys import Selection


def legal(role: str, selection: Selection) -> set[str]:
    return {k.action for k in keys.legal_now(role, selection)}


def test_the_paid_path_is_one_clear_path() -> None:
    """An appraisal that must be paid first: escalate, then $, then assign; never an assign that fails."""
    new = Selection(issue_id="APR-1", opens_as="pending_payment", candidates=3)
    assert "escalate" in legal("coordinator", new) and "assign(1)" not in legal("coordinator", new)
    unpaid = Selection(issue_id="APR-1", status="pending_payment", request_id="r", opens_as="pending_payment",
                       candidates=3)
    assert {"pay", "cancel_request"} <= legal("coordinator", unpaid)
    assert not {"assign(1)", "escalate", "senior", "reassign"} & legal("coordinator", unpaid)
    paid = Selection(issue_id="APR-1", status="pending_assignment", request_id="r", candidates=3)
    assert {"assign(1)", "assign(3)", "senior"} <= legal("coordinator", paid)
    assert "assign(4)" not in legal("coordinator", paid) and "pay" not in legal("coordinator", paid)


def test_roles_and_states_gate_the_keys() -> None:
    held = Selection(issue_id="INC-1", status="assigned", request_id="r", holder="Ann", holder_id="ann", candidates=2,
                     mine=True)
    assert "reassign" in legal("coordinator", held) and "start_session" not in legal("coordinator", held)
    assert "start_session" in {k.action for k in keys.legal_now("expert", held, expert_id="ann")}
    assert "start_session" not in {k.action for k in keys.legal_now("expert", held, expert_id="bob")}
    assert "assign(1)" not in legal("expert", held)
    running = Selection(issue_id="INC-1", status="in_review", request_id="r", session="paused", holder_id="ann",
                        mine=True)
    mine = {k.action for k in keys.legal_now("expert", running, expert_id="ann")}
    assert {"toggle_session", "end_session", "outcome"} <= mine
    assert "start_session" not in mine  # a paused session is still running
    # a role's own key always runs (and answers); another role's key falls through
    assert keys.check("pay", (), "coordinator", held) is True and keys.check("pay", (), "expert", held) is False
    pay = keys.row_of("pay")
    assert pay is not None
    assert keys.refusal(pay, (), "coordinator", held) == "Record payment: not while it is assigned"
    assert keys.check("show_tab", ("desk",), "lead", Selection(tab="analytics")) is True
    charts = keys.row_of("show_tab", ("analytics",))
    assert charts is not None and keys.refusal(charts, ("analytics",), "lead", Selection(tab="analytics")) == \
        "Charts: the Analytics tab is open"


def test_the_help_lists_every_row() -> None:
    listed = {text for _, rows in keys.help_sections() for _, text in rows}
    assert all(k.help in listed for k in keys.KEYS if k.name != "assign")


def test_the_footer_is_redrawn_only_when_what_the_keys_allow_changes() -> None:
    """A cursor move between two rows in the same state leaves the footer alone; a move to another state redraws it."""
    one = Selection(issue_id="INC-1", status="assigned", request_id="r1", holder="Ann", candidates=2)
    other = Selection(issue_id="INC-2", status="assigned", request_id="r2", holder="Bea", candidates=2)
    new = Selection(issue_id="INC-3", candidates=2)
    for role in ("coordinator", "expert", "lead"):
        assert keys.footprint(role, one) == keys.footprint(role, other)
    assert keys.footprint("coordinator", one) != keys.footprint("coordinator", new)
    assert len(keys.footprint("coordinator", one)) > len(keys.footprint("lead", one)) > 0


def test_a_waiting_row_offers_every_key_that_works_on_it() -> None:
    """The issue's reproduction: on a waiting row the key bar hid w (resume), x and m, which work; the expert's
    bar never showed E."""
    waiting = Selection(issue_id="INC-1", status="waiting", request_id="r", holder="Ann", holder_id="ann",
                        candidates=2)
    shown = {k.action for k in keys.bar("coordinator", waiting)}
    assert {"wait_resume", "cancel_request", "package", "senior", "reassign"} <= shown
    assert not {"pay", "escalate"} & shown
    running = Selection(issue_id="INC-1", status="in_review", request_id="r", session="active", holder_id="ann")
    assert {"end_session", "toggle_session", "outcome"} <= {k.action for k in keys.bar("expert", running, "ann")}


def test_the_help_names_the_keys_of_forms_and_confirmations() -> None:
    sections = dict(keys.help_sections("coordinator"))
    forms = dict(sections[keys.FORMS])
    assert set(forms) == {"ctrl+s", "Esc", "Enter", "ctrl+o"}
    assert "$EDITOR" in forms["ctrl+o"] and "Keep editing" in forms["Esc"]
    assert list(dict(keys.help_sections()))[-1] == keys.FORMS  # last, after every screen's own keys

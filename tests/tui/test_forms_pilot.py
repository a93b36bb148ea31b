"""Forms never throw typed values away unasked: Esc (or Cancel) on a changed form asks "Discard your changes to …?",
"Keep editing" keeps every value, "Discard" closes with nothing written; an untouched form closes at once. At 80x24
a form scrolls with the focused field in view."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, Input, Label, Select, TextArea

from tests.support.pilot import make_app, screen_of, settle
from triagedesk.tui.screens.discard import DiscardScreen
from triagedesk.tui.screens.forms import ModelForm, NewIssueForm
from triagedesk.tui.screenshots import busiest_expert

FORMS = {  # how each form opens: role, keys; and what it is called in the dialog
    "new issue": ("coordinator", ["n"], "the new issue"),
    "edit issue": ("coordinator", ["ctrl+e"], "APR-000252 (Cartier Tank, gold)"),
    "edit expert": ("coordinator", ["X", "1"], "expert "),
    "correction": ("expert", ["c"], "the correction to the appraisal assessment"),
}


def written(app) -> int:
    """Every audited write so far."""
    return len(app.desk.store.audit_log.all())


async def open_form(pilot, keys: list[str]) -> ModelForm:
    for key in keys:
        await pilot.press(key)
        await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ModelForm), form
    return form


async def change_a_field(pilot, form: ModelForm) -> None:
    """Type into the form's first text field shown, as a person would."""
    field = next(w for w in form.query(Input) if w.parent.parent.display and not w.disabled)
    field.focus()
    await pilot.press(*"zz")
    assert "zz" in field.value


def dialog_words(app) -> tuple[str, list[str]]:
    dialog = app.screen
    assert isinstance(dialog, DiscardScreen), dialog
    return str(dialog.query_one("#question", Label).content), [str(b.label) for b in dialog.query(Button)]


@pytest.mark.parametrize("name", list(FORMS))
async def test_an_untouched_form_closes_at_once_and_a_changed_one_asks(store_copy: Path, name: str) -> None:
    role, keys, subject = FORMS[name]
    app = make_app(store_copy, role=role, expert_id=busiest_expert(store_copy) if role == "expert" else None)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        before = written(app)
        form = await open_form(pilot, keys)
        await pilot.press("escape")  # nothing typed (a prefilled edit form too): closed, nothing asked
        await settle(pilot)
        assert screen_of(app) is app.screen
        form = await open_form(pilot, keys)
        await change_a_field(pilot, form)
        await pilot.press("escape")
        question, buttons = dialog_words(app)
        assert question.startswith(f"Discard your changes to {subject}") and question.endswith("?")
        assert buttons == ["Discard", "Keep editing"]
        await pilot.click("#discard")
        await settle(pilot)
        assert screen_of(app) is app.screen and written(app) == before  # closed, nothing written


async def test_keep_editing_keeps_every_value_and_cancel_asks_too(store_copy: Path) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        form = await open_form(pilot, ["n"])
        assert isinstance(form, NewIssueForm)
        form.query_one("#f-profile", Select).value = "appraisal"
        await pilot.pause()
        form.query_one("#f-title", Input).focus()
        await pilot.press(*"Silver candlesticks")
        form.query_one("#f-description", TextArea).load_text("Two of them,\nhallmarked.")
        form.query_one("#f-category", Input).value = "silver"
        await pilot.pause()
        typed = form.edits()
        await pilot.press("escape")
        assert isinstance(app.screen, DiscardScreen)
        await pilot.press("escape")  # Esc on the dialog keeps editing, as its focused button does
        assert app.screen is form and form.edits() == typed
        await pilot.click("#cancel")  # the form's Cancel button asks as Esc does
        assert isinstance(app.screen, DiscardScreen)
        assert app.screen.focused is not None and app.screen.focused.id == "keep"
        await pilot.press("enter")
        assert app.screen is form and form.edits() == typed
        assert form.query_one("#f-description", TextArea).text == "Two of them,\nhallmarked."
        assert form.query_one("#f-profile", Select).value == "appraisal"
        await pilot.press("ctrl+s")  # what was kept is what is saved
        await settle(pilot)
        made = [i for i in app.desk.store.issues.all() if i.title == "Silver candlesticks"]
        assert len(made) == 1 and made[0].description == "Two of them,\nhallmarked."


async def test_the_new_issue_form_at_80x24_keeps_the_focused_field_in_view(store_copy: Path) -> None:
    """#27: at 80x24 the form showed one field at a time; now most are in sight and Tab scrolls to each in turn."""
    app = make_app(store_copy)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = await open_form(pilot, ["n"])
        fields = form.query_one("#form-fields")
        shown = [b for b in form.query(".field-box") if b.display]
        in_sight = [b for b in shown if fields.region.contains_region(b.region)]
        assert len(shown) > 10 and len(in_sight) >= 8
        reached = []
        for _ in range(len(shown) + 2):
            focused = form.focused
            assert focused is not None
            if focused.id and focused.id.startswith("f-"):
                reached.append(focused.id)
                assert fields.region.contains_region(focused.region), focused.id  # scrolled into view
            await pilot.press("tab")
            await pilot.pause()
        assert len(set(reached)) == len(shown)


async def test_the_edit_form_shows_the_issues_own_fields_and_keeps_the_others(store_copy: Path) -> None:
    """An appraisal's edit form showed seed 000's users and revenue fields (prefilled 0); it shows its profile's
    fields only, and what it does not show is written back as it was."""
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        issue_id = screen_of(app).query_one("QueueView").current_issue()
        before = app.desk.queries.issue(issue_id)
        assert before is not None and before.profile == "appraisal"
        form = await open_form(pilot, ["ctrl+e"])
        assert form.query("#f-category") and not form.query("#f-users_affected")
        form.query_one("#f-title", Input).value = "Cartier Tank, gold (1978)"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        after = app.desk.queries.issue(issue_id)
        assert after is not None and after.title == "Cartier Tank, gold (1978)"
        assert after.model_dump(exclude={"title"}) == before.model_dump(exclude={"title"})

"""Saved queue views survive a round trip through config.toml, whatever their names; a bad view is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from triagedesk.tui.config import SavedView, Settings, load_settings, save_settings


@pytest.mark.parametrize("name", ['plain', 'with "quotes" and ]brackets[', "dots.and\nnewline", "tab\tdel\x7f",
                                  "é ü 漢"])
def test_any_name_round_trips(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(tmp_path / "config.toml"))
    view = SavedView(text='a "b" \\ c', urgency="critical", status="never_escalated", assignee="unassigned",
                     sort="title", reverse=True)
    save_settings(Settings(views={name: view, "other": SavedView()}))
    loaded, problem = load_settings()
    assert problem is None
    assert loaded.views == {name: view, "other": SavedView()}


def test_a_saved_view_in_an_old_spelling_or_by_its_name_still_opens(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """`never_escalated` (the name before `new`) and a state's name ("in review") read as the filter's token."""
    path = tmp_path / "config.toml"
    path.write_text('[views.fresh]\nstatus = "never_escalated"\n\n[views.review]\nstatus = "in review"\n', "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(path))
    settings, problem = load_settings()
    assert problem is None
    assert settings.views["fresh"].status == "new" and settings.views["review"].status == "in_review"


def test_a_bad_view_is_reported_and_the_defaults_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[views.mine]\nsort = "colour"\n', "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(path))
    settings, problem = load_settings()
    assert problem is not None and "views.mine.sort" in problem and "unknown sort 'colour'" in problem
    assert settings.views == {}


def test_saving_keeps_the_users_comments_keys_and_aliases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# my desk\ntheme = "triagedesk-light"  # easier on the eyes\n\n[desk]\nactor = "Ana"\n\n'
                    '[keys]\n# mnemonic\nsenior = "U"\n\n[aliases]\nmine = "view mine"\n', "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(path))
    settings, problem = load_settings()
    assert problem is None and settings.keys == {"senior": "U"} and settings.aliases == {"mine": "view mine"}
    views = {"crit": SavedView(urgency="critical")}
    save_settings(settings.model_copy(update={"theme": "triagedesk-dark", "views": views}))
    text = path.read_text("utf-8")
    assert "# my desk" in text and "# mnemonic" in text and 'senior = "U"' in text and 'mine = "view mine"' in text
    assert 'theme = "triagedesk-dark"' in text and 'actor = "Ana"' in text
    again, problem = load_settings()
    assert problem is None and again.views["crit"].urgency == "critical" and again.keys == {"senior": "U"}


def test_the_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "triagedesk-light"\n[desk]\nactor = "Ana"\n', "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(path))
    monkeypatch.setenv("TRIAGEDESK_THEME", "triagedesk-high-contrast")
    monkeypatch.setenv("TRIAGEDESK_DESK__ACTOR", "Bea")
    settings, problem = load_settings()
    assert problem is None and (settings.theme, settings.desk.actor) == ("triagedesk-high-contrast", "Bea")

"""Saved queue views survive a round trip through config.toml, whatever their names; a bad view is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from triagedesk.tui.config import NotSaved, SavedView, Settings, load_settings, read_settings, save_settings


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


def test_a_bad_value_is_reported_and_only_it_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('theme = "triagedesk-light"\n[keys]\nescalate = 5\nsenior = "U"\n\n[desk]\nrefresh_seconds = "x"\n'
                    '\n[views.mine]\nsort = "colour"\nurgency = "high"\n', "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(path))
    found = read_settings()
    assert found.unreadable is None
    said = "; ".join(found.problems)
    assert len(found.problems) == 3 and "keys.escalate" in said and "desk.refresh_seconds" in said
    assert "views.mine.sort" in said and "unknown sort 'colour'" in said and f"{path}:" in said
    settings = found.settings
    assert settings.theme == "triagedesk-light" and settings.keys == {"senior": "U"}
    assert settings.desk.refresh_seconds == 0.5 and settings.views == {"mine": SavedView(urgency="high")}


def test_a_save_keeps_what_it_did_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A view with a bad value, unknown keys and a bad [keys] entry stay as the user wrote them; only the views
    the desk changed are written."""
    path = tmp_path / "config.toml"
    path.write_text('surprise = 1\n[keys]\nescalate = 5\n\n[views.mine]\nsort = "colour"\n\n[views.old]\n'
                    'urgency = "low"\n', "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(path))
    base = read_settings().settings
    views = {"mine": base.views["mine"], "new": SavedView(urgency="critical")}  # `old` deleted, `new` added
    save_settings(base.model_copy(update={"theme": "triagedesk-light", "views": views}), base)
    text = path.read_text("utf-8")
    assert "surprise = 1" in text and "escalate = 5" in text and 'sort = "colour"' in text
    assert "[views.old]" not in text and "[views.new]" in text and 'theme = "triagedesk-light"' in text


@pytest.mark.parametrize("text", ['[keys]\nescalate = "ctrl+g"\n[desk\n', "views = 5\n"])
def test_a_file_with_an_error_is_never_written_over(text: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(path))
    base = read_settings().settings
    with pytest.raises(NotSaved, match=str(path)):
        save_settings(base.model_copy(update={"views": {"x": SavedView()}}), base)
    assert path.read_text("utf-8") == text


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# mine\n[keys]\nescalate = "ctrl+g"\n[desk\n', "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(path))
    found = read_settings()
    assert found.unreadable is not None and found.unreadable.startswith(f"{path}:4: ")
    assert found.settings.keys == {} and found.problems == [f"{found.unreadable}; using the defaults"]


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

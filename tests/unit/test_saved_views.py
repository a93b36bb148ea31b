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


def test_a_bad_view_is_reported_and_the_defaults_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[views.mine]\nsort = "colour"\n', "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(path))
    settings, problem = load_settings()
    assert problem is not None and "views.mine.sort" in problem and "unknown sort 'colour'" in problem
    assert settings.views == {}

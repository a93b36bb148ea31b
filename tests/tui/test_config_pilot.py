"""config.toml in the desk: a file with an error is never written over, a bad value falls back alone."""

from __future__ import annotations

from pathlib import Path

from tests.support.pilot import make_app, settle
from triagedesk.app.actor import config_path


def configure(text: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_a_config_with_a_syntax_error_is_never_written_and_saving_says_so_once(store_copy: Path) -> None:
    text = ('# my keys, tuned for a year\n[keys]\nescalate = "ctrl+g"\n\n[aliases]\ncrit = "urgency critical"\n\n'
            '[desk\nrefresh_seconds = 1\n')  # one missing bracket
    path = configure(text)
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert any("using the defaults" in n for n in notices(app))  # told at start
        await pilot.press("S", *"hot", "enter")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        told = [n for n in notices(app) if "kept for this run only" in n]
        assert len(told) == 1 and told[0].startswith(f"{path}:8: "), notices(app)
        assert "View saved: hot (for this run only)" in notices(app)
        assert set(app.settings.views) == {"hot"}  # kept for this run
    assert path.read_text("utf-8") == text


async def test_a_bad_value_falls_back_alone_and_the_theme_key_keeps_the_saved_views(store_copy: Path) -> None:
    path = configure('[keys]\nescalate = 5\n\n[views.mine]\nstatus = "all"\nassignee = "mine"\n')
    app = make_app(store_copy)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert any("keys.escalate" in n for n in notices(app))
        assert set(app.settings.views) == {"mine"}  # the rest of the file is used
        await pilot.press("t")
        await settle(pilot)
        assert any(n.startswith("Theme:") for n in notices(app))
    text = path.read_text("utf-8")
    assert "[views.mine]" in text and "escalate = 5" in text and "theme = " in text

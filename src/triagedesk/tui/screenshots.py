"""`make screenshots`: an SVG of every screen on a fixed demo (seed 7, frozen clock), via Textual's export."""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from triagedesk.app.stores import open_desk
from triagedesk.demo.data import DEMO_NOW, generate
from triagedesk.domain.inputs import parse_models
from triagedesk.domain.models import Expert
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import data_dir, load_profile
from triagedesk.tui.app import TriageDeskApp

NOW = DEMO_NOW
SHOTS = {
    "coordinator-desk": ("coordinator", None, []),
    "expert-view": ("expert", None, []),  # the busiest expert of the demo
    "analytics": ("lead", None, []),
    "help": ("coordinator", None, ["question_mark"]),
    "issue": ("coordinator", None, ["enter"]),
    "search": ("coordinator", None, ["F", *"tank"]),
    "schedules": ("coordinator", None, ["O"]),
}


def busiest_expert(path: Path) -> str:
    """The demo expert with the most open requests (a full queue to show), ties to the first id."""
    desk = open_desk(path)
    try:
        return min(desk.figures.counted().values(), key=lambda e: (-e.current_workload, e.id)).id
    finally:
        desk.close()


def build_demo(path: Path) -> None:
    experts: list[Expert] = []
    for name in ("infrastructure", "appraisal"):
        source = data_dir() / "experts" / f"{name}.jsonl"
        experts.extend(parse_models(source.read_text("utf-8"), str(source), Expert))
    scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}
    data = generate(600, 7, NOW, scorers, experts)
    desk = open_desk(path)
    try:
        kinds = ("experts", "schedules", "calendars", "issues", "requests", "sessions", "outcomes", "corrections",
                 "knowledge")
        desk.records.load_demo([data], kinds,
                       note="screenshots")
    finally:
        desk.close()


async def shoot(path: Path, out: Path, size: tuple[int, int]) -> list[Path]:
    written = []
    for name, (role, expert, keys) in SHOTS.items():
        if role == "expert" and expert is None:
            expert = busiest_expert(path)
        app = TriageDeskApp(open_desk(path, clock=lambda: NOW), role=role, expert_id=expert,
                            live=False, watch=False)
        async with app.run_test(size=size) as pilot:
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            for _ in range(3):  # what the keys opened loads in a worker too
                await app.workers.wait_for_complete()
                await pilot.pause()
            target = out / f"{name}.svg"
            app.save_screenshot(str(target))
            written.append(target)
    return written


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo" / "desk.json"
        build_demo(db)
        for path in asyncio.run(shoot(db, out, (160, 48))):
            print(f"wrote {path}")


if __name__ == "__main__":
    main()

"""Snapshots of every screen and modal at 160x48 and 80x24, on a fixed demo seed with a frozen clock; at 80x24 no
issue id is ever cut."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.support.pilot import make_app, settle
from triagedesk.store.database import open_store
from triagedesk.tui.screenshots import busiest_expert

SIZES = [(160, 48), (80, 24)]
SCREENS = {  # name: (role, keys pressed in turn, each waited for)
    "coordinator": ("coordinator", []),
    "expert": ("expert", []),  # the busiest expert of the demo
    "analytics": ("lead", []),
    "help": ("coordinator", ["question_mark"]),
    "issue": ("coordinator", ["enter"]),  # the first issue in full
    "search": ("coordinator", ["F", *"tank"]),  # every issue, closed ones too
    "confirm": ("coordinator", ["1"]),  # the first candidate: a reassignment, its note
    "new-issue": ("coordinator", ["n"]),
    "discard": ("coordinator", ["n", "tab", *"INC-1", "escape"]),  # a changed form asks before Esc closes it
    "edit-issue": ("coordinator", ["ctrl+e"]),
    "edit-expert-choice": ("coordinator", ["X"]),
    "edit-expert": ("coordinator", ["X", "1"]),
    "package": ("coordinator", ["m"]),
    "conflicts": ("coordinator", ["C"]),
    "rejected": ("coordinator", ["R"]),
    "sort-menu": ("coordinator", ["v"]),
    "save-view": ("coordinator", ["S"]),
    "views": ("coordinator", ["S", *"critical", "enter", "V"]),  # the saved views: open, rename, delete
    "rename-view": ("coordinator", ["S", *"critical", "enter", "V", "r"]),
    "delete-view": ("coordinator", ["S", *"critical", "enter", "V", "d"]),
    "bulk": ("coordinator", ["space", "M"]),
    "backtest-prompt": ("lead", ["b"]),
    "backtest": ("lead", ["b", "enter"]),
    "outcome": ("expert", ["s", "o"]),  # completing the request: the final report first
    "correction": ("expert", ["c"]),
    "closed-issue": ("coordinator", ["colon", *"APR-000158", "enter"]),  # jumped to: closed, opened read-only
    "command-line": ("coordinator", ["colon", *"sta"]),  # with its completions
    "notices": ("coordinator", ["y", "N"]),  # one notice at least: the id copied
    "key-tester": ("coordinator", ["ctrl+k", "x"]),
    "palette": ("coordinator", ["ctrl+p", *"ass"]),  # our commands with their keys, none of Textual's own
    "schedules": ("coordinator", ["O"]),
    "override": ("coordinator", ["O", "o"]),
}
SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_snapshots"


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(snap_compare, store_copy: Path, name: str, size: tuple[int, int]) -> None:
    role, keys = SCREENS[name]
    expert = busiest_expert(store_copy) if role == "expert" else None
    app = make_app(store_copy, role=role, expert_id=expert)

    async def ready(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=ready)


def screen_lines(svg: Path) -> list[str]:
    """The text of a snapshot, line by line, as the terminal showed it (Textual's SVG: one `<text>` per run of
    cells, clipped to its line)."""
    runs: dict[int, list[tuple[float, str]]] = {}
    for element in ElementTree.parse(svg).iter("{http://www.w3.org/2000/svg}text"):
        clip = re.search(r"line-(\d+)\)", element.get("clip-path", ""))
        if clip is not None:
            runs.setdefault(int(clip.group(1)), []).append((float(element.get("x", 0)), element.text or ""))
    return ["".join(text for _, text in sorted(runs[n])).replace("\xa0", " ") for n in sorted(runs)]


def test_no_issue_id_is_cut_at_80x24(demo_store: Path) -> None:
    """Every id-shaped word of every 80x24 snapshot is an issue's whole id (titles give way first): "INC-00156",
    "INC-0015…" or an id's prefix alone at a pane's edge would be cut ones."""
    store = open_store(demo_store)
    known = {str(issue.id) for issue in store.issues.all()}
    store.close()
    prefixes = sorted({key.split("-")[0] for key in known})
    assert prefixes == ["APR", "INC"]
    shaped = re.compile(rf"(?<![A-Za-z0-9._:-])(?:{'|'.join(prefixes)})[A-Za-z0-9._:-]*…?")
    svgs = sorted(SNAPSHOTS.glob("test_screen[[]*-80x24].svg"))
    assert {p.name.split("[")[1].rsplit("-", 1)[0] for p in svgs} == set(SCREENS)  # every screen has its snapshot
    seen: dict[str, int] = {}
    for svg in svgs:
        for line in screen_lines(svg):
            for token in shaped.findall(line):
                token = token.rstrip(".:")  # a sentence's stop or a heading's colon after the id
                assert token in known, f"{svg.name}: {token!r} is not a whole id in {line!r}"
                seen[svg.name] = seen.get(svg.name, 0) + 1
    for busy in ("coordinator", "expert", "search"):  # the screens full of ids do show them
        assert seen.get(f"test_screen[{busy}-80x24].svg", 0) >= 8, seen

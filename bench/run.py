"""`make bench`: every figure a user cares about, as a table or `--json`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cli_figures  # noqa: E402
import desk1m_figures  # noqa: E402
import desk_figures  # noqa: E402
import desk_follow_figures  # noqa: E402
import desk_keys_figures  # noqa: E402
import dispatch_figures  # noqa: E402
import engine_figures  # noqa: E402
import noise_figures  # noqa: E402
import oncall_figures  # noqa: E402
import store_figures  # noqa: E402
import sync_figures  # noqa: E402
import tui_figures  # noqa: E402
from harness import Figure  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

SUITES = {"engine": engine_figures.run, "store": store_figures.run, "desk": tui_figures.run,
          "desk100k": desk_figures.run, "desk100k-keys": desk_keys_figures.run,
          "desk100k-follow": desk_follow_figures.run, "cli100k": cli_figures.run, "sync": sync_figures.run,
          "dispatch": dispatch_figures.run, "oncall": oncall_figures.run, "sync20k": sync_figures.beside_pouchdb,
          "noise": noise_figures.run, "desk1m": desk1m_figures.run, "cli1m": cli_figures.run_1m}
BIG = ("desk1m", "cli1m")
"""Suites on the 1M store (`make bench-1m`): minutes each, so only when asked for by name."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer repeats")
    parser.add_argument("--only", choices=sorted(SUITES), action="append", help="run only these suites")
    args = parser.parse_args()
    console = Console(stderr=True)
    figures: list[Figure] = []
    for name, run in SUITES.items():
        if (args.only and name not in args.only) or (not args.only and name in BIG):
            continue
        console.print(f"[dim]running {name} figures...[/]")
        figures.extend(run(args.quick))
    if args.json:
        print(json.dumps([f.as_dict() for f in figures], indent=2))
        return 0
    table = Table(title="triagedesk benchmark (medians)", title_justify="left")
    for column in ("figure", "ours", "baseline", "ratio", "goal", "ok", "notes"):
        table.add_column(column, overflow="fold")
    for f in figures:
        table.add_row(
            f.name, f"{f.value:.4g} {f.unit}",
            "-" if f.baseline is None else f"{f.baseline:.4g}",
            "-" if f.ratio is None else f"{f.ratio:.1f}x",
            f.goal or "-", {True: "yes", False: "NO", None: "-"}[f.ok], f.notes,
        )
    out = Console()
    if not out.is_terminal:  # a log or a pipe: wide rows rather than cells folded into towers
        out = Console(width=220)
    out.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())

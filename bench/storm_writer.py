"""A second desk's process changing the store at a steady rate through the app's own commands (driven by
bench/desk_follow_figures.py): an issue's title rewritten, a new issue added, an open issue given to one of its
candidates (the next one each time it comes round), in turn. `per` changes go in one durable write (one fsync: this
disk takes ~4 ms for one, so a single process cannot commit 400 separate writes a second). Prints a line per change
once its write is durable: `at kind issue_id value`."""

from __future__ import annotations

import sys
import time

from triagedesk.app.desk import Desk
from triagedesk.app.queue_updates import load
from triagedesk.app.stores import open_desk
from triagedesk.domain.models import Issue
from triagedesk.domain.requests.plan import Plan


def main(path: str, rate: float, seconds: float, tag: str, per: int) -> None:
    desk = open_desk(path)
    issues = desk.store.issues
    queued = load(desk, desk.clock()).ids  # issues the desk's queue shows
    titled = queued[:200]
    given = [i for i in queued[200:3000] if desk.queries.request_for(i) is None][:100]
    experts = {i: [c.expert_id for c in desk.queries.candidates(issues.require(i)).ranked[:3]] for i in given}
    given = [i for i in given if len(experts[i]) > 1 and isinstance(desk.commands.preview(
        "storm", desk.commands.giving(i, experts[i][0], "the storm bench", True)), Plan)]  # no payment awaited
    print("ready", len(titled), len(given), flush=True)
    sys.stdin.readline()
    start = time.perf_counter()
    n = 0
    while (due := start + n / rate) < start + seconds:
        time.sleep(max(due - time.perf_counter(), 0))
        done = []
        with desk.store.transaction():
            for _ in range(per):
                done.append(change(desk, n, tag, titled, given, experts))
                n += 1
        at = time.time()
        print("".join(f"{at:.6f} {kind} {issue_id} {value}\n" for kind, issue_id, value in done), end="", flush=True)
    print("done", n, f"{time.perf_counter() - start:.3f}", flush=True)


def change(desk: Desk, n: int, tag: str, titled: list[str], given: list[str],
           experts: dict[str, list[str]]) -> tuple[str, str, str]:
    kind = ("title", "new", "assign")[n % 3]
    if kind == "title":
        issue_id, value = titled[n % len(titled)], f"storm {tag} #{n}"
        desk.commands.edit("issues", issue_id, {"title": value}, "storm")
    elif kind == "new":
        issue_id = value = f"INC-S{tag}-{n}"
        desk.commands.add_issue(Issue(id=issue_id, title=f"storm {tag} new {n}", profile="infrastructure",
                                      users_affected=1 + n % 50), "storm")
    else:
        issue_id = given[n // 3 % len(given)]
        value = experts[issue_id][n // 3 // len(given) % len(experts[issue_id])]  # given again: to the next one
        desk.commands.assign(issue_id, value, "storm", note="the storm bench", override=True)
    return kind, issue_id, value


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5]))

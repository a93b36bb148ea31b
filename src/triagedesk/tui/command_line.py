"""The `:` command line's words: what a line means (`parse`), the user's aliases (`expand`) and completion (`complete`).

A line is an issue id (jump to it), a key's action (the key table's id or label: `escalate`, `assign_2`, `start
session`), or one of the desk's own words (`view NAME`, `view rename OLD = NEW`, `profile NAME`, `expert NAME`,
`status STATE`, `urgency LEVEL`, `sort COLUMN`, `filter TEXT`, `undo`, `redo`...). Nothing here touches the screen.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from textual.fuzzy import Matcher

from triagedesk.domain.models import ISSUE_ID

ALIAS_DEPTH = 5
SHOWN = 10

WORDS: dict[str, str] = {
    "go": "go ID: jump to the issue (the same as the id alone)",
    "view": "view NAME: open a saved view",
    "view save": "view save NAME: save the filters and sort as a view",
    "view rename": "view rename OLD = NEW: rename a saved view (a name holding '=' is renamed from V)",
    "view delete": "view delete NAME: delete a saved view",
    "profile": "profile NAME (or all): show one profile's issues",
    "expert": "expert NAME (or all, unassigned, mine): show the requests an expert holds",
    "status": "status STATE (or all): show the issues in one state",
    "urgency": "urgency LEVEL (or all): show one urgency",
    "sort": "sort COLUMN: sort the queue (again: reversed)",
    "filter": "filter TEXT: the / filter",
    "clear": "clear every filter",
}
"""The desk's own words (beside the key table's actions), with what they do."""


@dataclass(frozen=True)
class Word:
    """One completion: what it puts on the line and what it does."""

    text: str
    help: str
    kind: str = "command"


@dataclass(frozen=True)
class Line:
    """What a line means: a verb (`jump`, `action`, one of WORDS) and its argument."""

    verb: str
    argument: str = ""


class Unknown(ValueError):
    """A line that means nothing (the message says what would)."""


def expand(text: str, aliases: Mapping[str, str]) -> str:
    """The line with its first word replaced by the user's alias, repeatedly (an alias may use another)."""
    seen: list[str] = []
    line = text.strip()
    while True:
        head, _, rest = line.partition(" ")
        if head not in aliases:
            return line
        if head in seen or len(seen) >= ALIAS_DEPTH:
            raise Unknown(f"alias {head!r} refers back to itself ({' -> '.join([*seen, head])})")
        seen.append(head)
        line = f"{aliases[head].strip()} {rest}".strip()


def parse(text: str, actions: Mapping[str, str]) -> Line:
    """`actions` maps each key action's names (its id and its label, lower case) to the action string."""
    line = " ".join(text.split())
    if not line:
        raise Unknown("type an issue id, an action or a word (Tab completes)")
    lowered = line.lower()
    if lowered in actions:
        return Line("action", actions[lowered])
    for word in sorted(WORDS, key=len, reverse=True):  # `view rename` before `view`
        if lowered == word or lowered.startswith(word + " "):
            return Line(word, line[len(word):].strip())
    if ISSUE_ID.fullmatch(line):
        return Line("go", line)
    raise Unknown(f"{line!r} is not an issue id, an action or a word (Tab completes)")


def rename_parts(argument: str) -> tuple[str, str]:
    """`OLD = NEW` (names may hold spaces)."""
    old, sep, new = argument.partition("=")
    if not sep or not old.strip() or not new.strip():
        raise Unknown("view rename OLD = NEW")
    return old.strip(), new.strip()


class IdIndex:
    """Issue ids by prefix, case-insensitive (a sorted list and a bisection: instant at 100k ids)."""

    def __init__(self, ids: Iterable[str]) -> None:
        pairs = sorted((i.lower(), i) for i in ids)
        self._keys = [k for k, _ in pairs]
        self._ids = [i for _, i in pairs]

    def starting(self, prefix: str, limit: int = 5) -> list[str]:
        wanted = prefix.lower()
        at = bisect.bisect_left(self._keys, wanted)
        out: list[str] = []
        while at < len(self._keys) and len(out) < limit and self._keys[at].startswith(wanted):
            out.append(self._ids[at])
            at += 1
        return out

    def find(self, text: str) -> str | None:
        """The id itself, else the one id that differs only in case."""
        key = text.lower()
        same = set(self._ids[bisect.bisect_left(self._keys, key):bisect.bisect_right(self._keys, key)])
        if text in same:
            return text
        return same.pop() if len(same) == 1 else None


def complete(text: str, words: Sequence[Word], ids: IdIndex | None = None, limit: int = SHOWN) -> list[Word]:
    """The best completions of `text`: the words by fuzzy score (an empty line: the first words as given), then
    the issue ids the line begins."""
    typed = " ".join(text.split())
    if not typed:
        return list(words[:limit])
    matcher = Matcher(typed)
    scored = [(matcher.match(word.text), n, word) for n, word in enumerate(words)]
    found = [word for score, _, word in sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))]
    if ids is not None and " " not in typed and ISSUE_ID.fullmatch(typed):
        found = [*[Word(i, "jump to the issue", "issue") for i in ids.starting(typed)], *found]
    return found[:limit]

"""Each open issue's queue assessment, kept beside the store so a desk start does not validate and score
every issue again: keyed by the stored document's content and by the profile's content and engine version.

`PATH.assessments` (next to the store's snapshot) is a cache, never a record: a missing, damaged or foreign
file is ignored and rewritten; an entry counts only when the document and the scorer are exactly those it
was computed from, so an edited issue, another desk's write, a changed profile or a new triagedesk version
each recompute it.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from triagedesk import __version__
from triagedesk.app.desk import Desk
from triagedesk.display import one_line
from triagedesk.domain.models import Issue
from triagedesk.files import atomic_write
from triagedesk.store.code_digest import code_digest

ENGINE = f"{__version__}/assess-3/" + code_digest("triagedesk.domain.scoring", "triagedesk.domain.models",
                                                  "triagedesk.app.assessments", "triagedesk.display")
"""What an assessment holds and how it is computed: the code itself (store/code_digest.py), so a changed scorer
never reads another's cached scores."""


@dataclass(frozen=True)
class Assessed:
    """What the queue shows of an issue that does not depend on its request."""

    key: str
    profile: str
    urgency: int
    score: float
    escalate: bool
    order: float
    title: str
    route: str
    route_text: str  # the route before it was cut to fit a column (the filter searches it)
    created: float | None  # the issue's creation time (epoch seconds), None when it has none
    issue: Issue | None  # the validated model when it was just computed (a cache hit has none)
    named: str = ""  # the issue's own profile name ("" for none: the default scorer's)
    scorer: str = ""  # the key of the scorer it was computed by (see `Assessments.scorer_key`)


class Assessments:
    """The cache of one store: digests of stored issues -> their assessment under one scorer."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._entries: dict[str, list[Any]] | None = None  # read on first use: a start from the queue's side
        # file (app/queue_file.py) asks for a few assessments, or none
        self.partial = False
        """The last load asked only for some open issues' assessments: `save` adds them, dropping none."""
        self.used: dict[str, list[Any]] = {}
        self.scorer_keys: dict[int, str] = {}
        self.by_name: dict[str | None, str] = {}
        self.dirty = False
        self.lock = threading.Lock()

    @property
    def entries(self) -> dict[str, list[Any]]:
        found = self._entries
        if found is None:
            found = {}
            try:
                read = orjson.loads(self.path.read_bytes())
                if isinstance(read, dict) and read.get("engine") == ENGINE and isinstance(read.get("entries"), dict):
                    found = read["entries"]
            except (OSError, orjson.JSONDecodeError):
                pass  # no cache yet, or one we cannot read: computed afresh and rewritten
            self._entries = found
        return found

    def scorer_key(self, desk: Desk, profile: str | None) -> str:
        """The key of the scorer an issue of `profile` (None: none of its own) is assessed by: its profile's
        content and the engine's version."""
        return self._scorer_key(desk, profile)

    def _scorer_key(self, desk: Desk, profile: str | None) -> str:
        """The key of the scorer a profile name gets (the desk keeps one scorer per name: named once, known)."""
        known = self.by_name.get(profile)
        if known is not None:
            return known
        self.by_name[profile] = found = self._key_of(desk, profile)
        return found

    def _key_of(self, desk: Desk, profile: str | None) -> str:
        used = desk.engine.profile(profile)
        found = self.scorer_keys.get(id(used))
        if found is None:
            content = used.model_dump_json().encode()
            found = self.scorer_keys[id(used)] = hashlib.blake2b(content + ENGINE.encode(), digest_size=8).hexdigest()
        return found

    def assess(self, desk: Desk, raw: bytes) -> Assessed | None:
        """The assessment of one stored issue (its stored JSON: parsed only when the cache has no answer);
        None for one the models cannot load (told once)."""
        digest = hashlib.blake2b(raw, digest_size=12).hexdigest()
        entry = self.entries.get(digest)
        if (isinstance(entry, list) and len(entry) == 11 and isinstance(entry[1], str)
                and entry[0] == self._scorer_key(desk, entry[1] or None)):
            self.used[digest] = entry
            _, profile, urgency, score, escalate, order, key, title, route, route_text, created = entry
            if _well_formed(urgency, score, escalate, order, key, title, route, route_text) and (
                    created is None or type(created) in (int, float)):
                shown = profile or desk.engine.profile(None).name  # as computed: the issue's, else the scorer's
                return Assessed(key, shown, urgency, score, escalate, order, title, route, route_text, created, None,
                                profile, entry[0])
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        issue = desk.store.issues.loadable(doc) if isinstance(doc, dict) else None
        if issue is None:
            return None
        scorer = desk.engine.scorer(issue.profile)
        assessed = scorer.assess(issue)
        route = issue.category or (issue.affected_systems[0] if issue.affected_systems else "")
        repeats = f"×{issue.count} " if issue.count > 1 else ""  # an alert seen again and again (intake dedup)
        created = issue.created_at.timestamp() if issue.created_at is not None else None
        found = Assessed(issue.id or "", issue.profile or scorer.profile.name, assessed.urgency_rank, assessed.score,
                         assessed.should_escalate, assessed.order,
                         one_line(repeats + (issue.title or issue.description), 200),
                         one_line(route, 40), route, created, issue, issue.profile or "",
                         self._scorer_key(desk, issue.profile))
        with self.lock:
            self.used[digest] = [found.scorer, issue.profile or "", found.urgency,
                                 found.score, found.escalate, found.order, found.key, found.title, found.route,
                                 found.route_text, created]
            self.dirty = True
        return found

    def save(self) -> None:
        """Write what the last full load used (entries of issues no longer open drop out); after a load that asked
        for only some (`partial`: the queue's side file held the rest), add those it computed, dropping none."""
        with self.lock:
            if self.partial:
                fresh = self.dirty
                self.partial, self.dirty = False, False
                if not fresh:
                    self.used = {}
                    return
                self.entries.update(self.used)
                self.used = {}
            else:
                if not self.dirty and len(self.used) == len(self.entries):
                    self.used = {}
                    return
                self._entries, self.used, self.dirty = self.used, {}, False
            data = orjson.dumps({"engine": ENGINE, "entries": self.entries})
        try:
            atomic_write(self.path, data)
        except OSError:
            pass  # a read-only folder: the desk works, it only starts slower


def _well_formed(urgency: Any, score: Any, escalate: Any, order: Any, *texts: Any) -> bool:
    """A cached entry's values have the types the queue's columns hold, and its texts print as they are
    (the file is a cache anyone with the folder could edit: anything else is recomputed)."""
    return (type(urgency) is int and type(score) in (int, float) and type(escalate) is bool
            and type(order) in (int, float) and all(type(t) is str and t.isprintable() for t in texts))


_CACHES: weakref.WeakKeyDictionary[Desk, Assessments] = weakref.WeakKeyDictionary()


def of(desk: Desk) -> Assessments:
    """The cache of the desk's store (read on first use)."""
    found = _CACHES.get(desk)
    if found is None:
        path = desk.store.path
        found = _CACHES[desk] = Assessments(path.with_name(path.name + ".assessments"))
    return found


__all__ = ["Assessed", "Assessments", "ENGINE", "of"]

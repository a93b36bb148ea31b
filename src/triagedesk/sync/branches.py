"""Server-side conflicts (two servers replicating, an offline client's `new_edits:false` branch): the losing
revisions are fetched, the domain's rule picks the branch every desk keeps, and the losers are closed by
tombstones in one `_bulk_docs`, each audited with the fields that lost."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triagedesk.domain.kinds import MODELS
from triagedesk.domain.requests.conflicts import Branch, pick
from triagedesk.sync.arrival import Refused, admit, merged
from triagedesk.sync.wire import RECORDS, RESOLVED

# A tombstone written by a resolution carries `resolved: {"kept": REV or null, "by": USER}`: such a closed branch
# is history, not a client's deletion, and never decides a later conflict.


@dataclass(frozen=True)
class Loss:
    """One losing branch, as the audit keeps it."""

    kind: str
    record_id: str
    rev: str
    fields: dict[str, Any]
    kept: dict[str, Any] | None


@dataclass
class Settled:
    docs: list[dict[str, Any]]
    """The page's documents as this desk takes them: each conflicted one replaced by the branch that wins."""
    losses: list[Loss] = field(default_factory=list)
    """Branches this desk closed on the server (to audit)."""
    resolved: int = 0
    """Documents whose conflict this desk resolved on the server."""
    refused: int = 0
    """Documents whose losing branches the server did not let this user close (an expert's desk)."""
    chosen: set[str] = field(default_factory=set)
    """The ids of the documents replaced by the branch that wins."""


def _other_leaves(row: dict[str, Any]) -> list[str]:
    """The leaf revisions of a live document besides the one the server shows (`style=all_docs`)."""
    doc = row.get("doc") or {}
    if doc.get("_deleted"):
        return []  # every leaf deleted: nothing left to choose between
    kind = str(doc.get("_id", "")).partition(":")[0]
    if kind not in MODELS or kind == "audit":
        return []  # not ours; and audit entries are never deleted, so their branches stay (the server's pick)
    return [c["rev"] for c in row.get("changes", []) if isinstance(c, dict) and c.get("rev") != doc.get("_rev")]


@dataclass
class _Case:
    doc: dict[str, Any]
    branches: list[tuple[Branch, dict[str, Any]]]
    invalid: list[dict[str, Any]]


def _merged_records(kept: dict[str, Any], others: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The kept branch with the outcomes and corrections only the other branches carry (written on top of it);
    None when it carries them all already."""
    found = kept.get(RECORDS)
    own: dict[str, Any] = found if isinstance(found, dict) else {}
    extra = {key: entry for other in others if isinstance(other.get(RECORDS), dict)
             for key, entry in other[RECORDS].items() if key not in own}
    if not extra:
        return None
    body = {k: v for k, v in kept.items() if k not in ("_conflicts", "_revisions", "_deleted_conflicts")}
    return {**body, RECORDS: {**extra, **own}}


def _fields(version: dict[str, Any], now: datetime) -> dict[str, Any] | None:
    verdict = admit(version, MODELS, now)
    return None if isinstance(verdict, Refused) else merged(verdict.fields, verdict.extra)


class ServerConflicts:
    """Resolves the conflicted documents of one `_changes` page."""

    def __init__(self, bulk_get: Callable[[list[tuple[str, str]]], list[dict[str, Any]]],
                 bulk_docs: Callable[[list[dict[str, Any]]], list[dict[str, Any]]], actor: str,
                 now: Callable[[], datetime]) -> None:
        self.bulk_get = bulk_get
        self.bulk_docs = bulk_docs
        self.actor = actor
        self.now = now

    def settle(self, rows: list[dict[str, Any]]) -> Settled:
        wanted = [(str(row["doc"]["_id"]), rev) for row in rows for rev in _other_leaves(row)]
        if not wanted:
            return Settled([row["doc"] for row in rows if row.get("doc")])
        fetched = {(d.get("_id"), d.get("_rev")): d for d in self.bulk_get(wanted)}
        now = self.now()
        out: list[dict[str, Any]] = []
        cases: dict[str, _Case] = {}
        for row in rows:
            doc = row.get("doc")
            if not doc:
                continue
            others = [fetched[(doc["_id"], rev)] for rev in _other_leaves(row) if (doc["_id"], rev) in fetched]
            case = _Case(doc, [], [])
            for version in [doc, *others]:
                if version.get("_deleted"):
                    if RESOLVED not in version:  # a client's deletion: it beats the concurrent edits
                        case.branches.append((Branch(version["_rev"], None), version))
                    continue
                found = _fields(version, now)
                if found is None:
                    case.invalid.append(version)  # loses to any valid branch
                else:
                    case.branches.append((Branch(version["_rev"], found), version))
            if len(case.branches) + len(case.invalid) <= 1 or not case.branches:
                out.append(doc)  # one branch left (the others closed before), or none valid: the server's
                continue
            cases[doc["_id"]] = case
            out.append(doc)  # replaced below by the branch that wins
        settled = Settled(out)
        if cases:
            self._resolve(cases, settled)
        return settled

    def _resolve(self, cases: dict[str, _Case], settled: Settled) -> None:
        tombstones: list[dict[str, Any]] = []
        merges: dict[str, dict[str, Any]] = {}
        losing: dict[str, list[tuple[dict[str, Any], dict[str, Any] | None]]] = {}
        chosen_docs: dict[str, dict[str, Any]] = {}
        for doc_id, case in cases.items():
            kind = doc_id.partition(":")[0]
            chosen = pick(kind, [branch for branch, _ in case.branches])
            kept_doc = next((v for b, v in case.branches if b is chosen), None)
            if kept_doc is None:  # a deletion wins: every live branch is closed
                deletion = next(v for b, v in case.branches if b.fields is None)
                chosen_docs[doc_id] = {"_id": doc_id, "_rev": deletion["_rev"], "_deleted": True}
            else:
                chosen_docs[doc_id] = kept_doc
                merged = _merged_records(kept_doc, [v for b, v in case.branches if b is not chosen])
                if merged is not None:  # records only a losing branch carries: the winner is written with them
                    merges[doc_id] = merged
            for branch, version in case.branches:
                if branch is not chosen and branch.fields is not None:
                    losing.setdefault(doc_id, []).append((version, branch.fields))
            for version in case.invalid:
                losing.setdefault(doc_id, []).append((version, None))
            for version, _ in losing.get(doc_id, []):
                tombstones.append({"_id": doc_id, "_rev": version["_rev"], "_deleted": True, "type": kind,
                                   RESOLVED: {"kept": chosen.rev if chosen else None, "by": self.actor}})
        writes = [*merges.values(), *tombstones]  # one _bulk_docs: the merged winners, then the closed branches
        answers = self.bulk_docs(writes) if writes else []
        by_key: dict[str, list[dict[str, Any]]] = {}
        for answer in answers:  # in the order sent: for one id, its merged winner first
            if isinstance(answer, dict):
                by_key.setdefault(str(answer.get("id")), []).append(answer)
        for doc_id, merged in merges.items():
            first = by_key.get(doc_id, [{}]).pop(0) if by_key.get(doc_id) else {}
            if first.get("ok"):
                chosen_docs[doc_id] = {**merged, "_rev": first["rev"]}
        for doc_id, versions in losing.items():
            kind, _, record_id = doc_id.partition(":")
            said = by_key.get(doc_id, [])
            if any(a.get("error") in ("forbidden", "unauthorized") for a in said):
                settled.refused += 1
                continue
            kept = chosen_docs[doc_id]
            kept_fields = None if kept.get("_deleted") else _fields(kept, self.now())
            done = 0
            for (version, found), answer in zip(versions, said, strict=False):  # answers come in order
                if not answer.get("ok"):
                    continue  # that leaf moved on meanwhile: the next round sees it again
                data = found if found is not None else dict(version.get("data") or {})
                settled.losses.append(Loss(kind, record_id, str(version["_rev"]), data, kept_fields))
                done += 1
            if done:
                settled.resolved += 1
        settled.docs = [chosen_docs.get(doc["_id"], doc) for doc in settled.docs]
        settled.chosen = set(chosen_docs)

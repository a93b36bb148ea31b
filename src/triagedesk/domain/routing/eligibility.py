"""Who may take a request: the issue's specialists from the matcher's ranking, never one who let it lapse; with
no specialist available now, whoever is on call for the issue (of its profile: never an expert outside it).

Assignment, reassignment, senior escalation and the dispatcher's picks all ask these functions, so a door
cannot put a silver item on an art expert that another door would refuse.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from triagedesk.domain.models import Candidate, Expert

LEVEL_ORDER = {"junior": 0, "mid": 1, "senior": 2, "expert": 3}
SENIOR_LEVEL = LEVEL_ORDER["senior"]
"""Without anyone holding the request, a senior escalation goes to a senior or an expert."""


def specialises(candidate: Candidate) -> bool:
    """The matcher found the expert's specialisation in the issue (its specialisation factor is above zero)."""
    factor = candidate.factors.get("specialization")
    return factor is not None and factor.value > 0


def eligible(ranked: Sequence[Candidate], experts: Mapping[str, Expert], exclude: Collection[str] = ()) -> list[
        Candidate]:
    """The ranked specialists who are active and not excluded (the holder, those who let it lapse), best first."""
    out = []
    for candidate in ranked:
        expert = experts.get(candidate.expert_id)
        if expert is None or not expert.is_active or candidate.expert_id in exclude:
            continue
        if specialises(candidate):
            out.append(candidate)
    return out


def stand_in(ranked: Sequence[Candidate], experts: Mapping[str, Expert], on_call: Sequence[str],
             exclude: Collection[str] = ()) -> Candidate | None:
    """With no specialist of the issue available now: the first one on call for it (a schedule covering its
    profile or category) who works its profile (is in the ranking), is active, available now and not excluded.
    The one covering a profile at night takes what its day specialists cannot; None while a specialist can."""
    if not on_call or any(c.available_now for c in eligible(ranked, experts, exclude)):
        return None
    found = {c.expert_id: c for c in ranked if c.available_now and c.expert_id not in exclude
             and (expert := experts.get(c.expert_id)) is not None and expert.is_active}
    return next((found[member] for member in on_call if member in found), None)


def more_senior(candidates: Iterable[Candidate], holder: Expert | None) -> list[Candidate]:
    """Those above the holder's level (with nobody holding it: senior and expert levels), in the same order."""
    floor = LEVEL_ORDER[holder.expertise_level] + 1 if holder is not None else SENIOR_LEVEL
    return [c for c in candidates if LEVEL_ORDER.get(c.expertise_level, 0) >= floor]


def senior_pick(ranked: Sequence[Candidate], experts: Mapping[str, Expert], holder: Expert | None,
                lapsed: Collection[str]) -> Candidate | None:
    """The best-ranked specialist more senior than the holder who has not let the request lapse."""
    exclude = {*lapsed, *([holder.id] if holder is not None else [])}
    found = more_senior(eligible(ranked, experts, exclude), holder)
    return found[0] if found else None


def next_pick(ranked: Sequence[Candidate], experts: Mapping[str, Expert], holder_id: str | None,
              lapsed: Collection[str]) -> Candidate | None:
    """The best-ranked specialist other than the holder who has not let the request lapse (`r`, the ack re-route)."""
    found = eligible(ranked, experts, {*lapsed, *([holder_id] if holder_id else [])})
    return found[0] if found else None


def why_nobody(wanted: str, holder: Expert | None, lapsed: Collection[str], senior: bool) -> str:
    """The refusal when nobody qualifies (said on the desk, flagged for a coordinator by the dispatcher)."""
    above = f" more senior than {holder.name or holder.id} ({holder.expertise_level})" if senior and holder else \
        (" of senior level" if senior else "")
    other = " other" if holder is not None and not senior else ""
    gone = f" (excluded, they let it lapse: {', '.join(sorted(lapsed))})" if lapsed else ""
    return f"nobody{other} active{above} specialises in {wanted or 'this issue'}{gone}: a coordinator must decide"

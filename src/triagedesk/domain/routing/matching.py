"""Expert matching: seed 000's weighted model and seed 002's points, chosen by the profile."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from triagedesk.domain.durations import spoken
from triagedesk.domain.models import Candidate, Decision, Expert, Factor, Issue, Match
from triagedesk.domain.routing.calendar import expert_presence
from triagedesk.domain.routing.coverage import Coverage
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.domain.scoring.facts import issue_text
from triagedesk.domain.scoring.keywords import KeywordGroup
from triagedesk.domain.scoring.profiles import Profile

LEVEL_ORDER = {"junior": 0, "mid": 1, "senior": 2, "expert": 3}


def _factor(value: float, weight: float) -> Factor:
    return Factor(value=round(value, 4), weight=weight, contribution=round(value * weight, 4))


def _hours(minutes: float) -> str:
    return spoken(minutes)


class Matcher:
    """Ranks a network of experts for issues of one profile."""

    def __init__(self, profile: Profile, scorer: Scorer | None = None, coverage: Coverage | None = None) -> None:
        self.profile = profile
        self.scorer = scorer or Scorer(profile)
        self.coverage = coverage
        """The schedules and calendars (who is on call, business hours less holidays); None: the seeds' flags."""
        self._skills = {
            category: {skill: KeywordGroup(kws) for skill, kws in spec.specializations.items() if kws}
            for category, spec in profile.expert_categories.items()
        }
        self._profile_skills = {name.lower() for name in profile.expert_categories} | {
            skill.lower() for spec in profile.expert_categories.values() for skill in spec.specializations}

    def required_skills(self, issue: Issue) -> list[str]:
        """Specializations whose keywords occur in the issue, across every category."""
        text = issue_text(issue)
        return [
            skill
            for skills in self._skills.values()
            for skill, group in skills.items()
            if group.matches(text)
        ]

    def match(
        self,
        issue: Issue,
        experts: Iterable[Expert],
        at: datetime,
        decision: Decision | None = None,
    ) -> Match:
        """The top pick, two alternatives and, when nobody is free, who frees up first."""
        decision = decision or self.scorer.decide(issue)
        active = [e for e in experts if e.is_active and self.works_profile(e)]
        if self.profile.matching.model == "points":
            scored = [self._points(issue, e, at, decision) for e in active]
            wanted = (issue.category or decision.recommended_expert_type or "").lower()
        else:
            skills = self.required_skills(issue)
            scored = [self._weighted(e, at, decision, skills) for e in active]
            wanted = ", ".join(skills) or (decision.recommended_expert_type or "").replace("_", " ")
        scored.sort(key=lambda c: (-c.match_score, c.current_workload, c.expert_id))
        if not scored:
            return Match(primary=None, alternatives=[], ranked=[],
                         note=f"Nobody can take it: no active expert in the network works {self.profile.name} issues.")
        fitting = [c for c in scored if c.factors["specialization"].value > 0]
        free = [c for c in fitting if c.available_now]
        if free:
            primary = free[0].model_copy(update={"role": "primary"})
            alternatives = [c.model_copy(update={"role": "alternative"}) for c in free[1:3]]
            return Match(primary=primary, alternatives=alternatives, ranked=scored)
        pool = fitting or scored
        first_free = min(pool, key=lambda c: (not c.available_now, c.next_available_at or at, -c.match_score))
        by_seniority = {e.id: LEVEL_ORDER[e.expertise_level] for e in active}
        senior = max(pool, key=lambda c: (by_seniority[c.expert_id], c.match_score))
        when = "now" if first_free.available_now or first_free.next_available_at is None else \
            f"{first_free.next_available_at:%a %H:%M} UTC"
        reason = (f"Nobody specialises in {wanted or 'this'}" if not fitting else "Nobody who fits is available now")
        note = (
            f"{reason}: {first_free.expert_name or first_free.expert_id} "
            f"is free first ({when}); senior fallback: "
            f"{senior.expert_name or senior.expert_id}."
        )
        return Match(
            primary=None,
            alternatives=[],
            ranked=scored,
            next_available=first_free.model_copy(update={"role": "next_available"}),
            senior_fallback=senior.model_copy(update={"role": "senior_fallback"}),
            note=note,
        )

    def _on_call(self, expert: Expert, at: datetime) -> list[str]:
        """`On call (schedule) until ...` when a schedule has the expert on call now."""
        shift = self.coverage.on_call_as(expert.id, at) if self.coverage is not None else None
        if shift is None:
            return []
        return [f"On call ({shift.schedule})" + (f" until {shift.until:%a %H:%M} UTC" if shift.until else "")]

    def works_profile(self, expert: Expert) -> bool:
        """The expert's specialisations meet the profile's categories (a category or one of its specialisations)."""
        own = {s.lower() for s in expert.specializations}
        return bool(own & self._profile_skills)

    # -- seed 000 ----------------------------------------------------------------------
    def _weighted(self, expert: Expert, at: datetime, decision: Decision, skills: list[str]) -> Candidate:
        cfg = self.profile.matching.weighted
        matching = self.profile.matching
        category = decision.recommended_expert_type
        own = {s.lower() for s in expert.specializations}
        categories = {
            name
            for name, spec in self.profile.expert_categories.items()
            if name in own or own & set(spec.specializations)
        }
        reasons: list[str] = []
        in_category = category is not None and category in categories
        if skills:
            have = [s for s in skills if s in own]
            spec_value = max(len(have) / len(skills), 0.5 if in_category else 0.0)
            if have:
                reasons.append(f"Specializes in {', '.join(have)}")
            elif in_category:
                reasons.append(f"Specializes in {category}")
        else:
            spec_value = 1.0 if in_category else 0.0
            if in_category:
                reasons.append(f"Specializes in {category}")
        level = cfg.expertise_levels.get(expert.expertise_level, 0.5)
        reviews = min(expert.completed_reviews / cfg.reviews_cap, 1.0)
        experience = 0.7 * level + 0.3 * reviews
        if expert.expertise_level in ("senior", "expert"):
            reasons.append(f"{expert.expertise_level.capitalize()} level ({expert.completed_reviews} reviews)")
        presence, reachable, next_at = expert_presence(
            expert, at, decision.urgency, cfg.after_hours_presence,
            matching.business_day_start, matching.business_day_end, self.coverage,
        )
        sla = expert.availability.response_sla_minutes
        window = self.profile.urgencies[decision.urgency].response_minutes
        fit = 1.0 if not window else min(1.0, window / sla)
        availability = presence * fit
        if reachable:
            reasons.append(f"Available now, responds within {_hours(sla)}")
            reasons += self._on_call(expert, at)
        rating = expert.rating if expert.rating is not None else cfg.neutral_rating
        performance = rating / 5.0
        if expert.rating is not None and expert.rating >= 4.5:
            reasons.append(f"Top rated ({expert.rating:g}/5)")
        workload = 1.0 - min(expert.current_workload / cfg.workload_cap, 1.0)
        if expert.current_workload == 0:
            reasons.append("No open assignments")
        factors = {
            "specialization": _factor(spec_value, cfg.specialization),
            "experience": _factor(experience, cfg.experience),
            "availability": _factor(availability, cfg.availability),
            "past_performance": _factor(performance, cfg.past_performance),
            "workload": _factor(workload, cfg.workload),
        }
        total = sum(f.value * f.weight for f in factors.values())
        effort = decision.estimated_expert_minutes or 0
        return Candidate(
            expert_id=expert.id,
            expert_name=expert.name,
            match_score=round(min(max(total, 0.0), 1.0) * 100, 1),
            reasons=reasons,
            factors=factors,
            available_now=reachable,
            next_available_at=next_at,
            current_workload=expert.current_workload,
            estimated_turnaround_hours=round((sla + effort) / 60, 2),
            response_sla_minutes=sla,
            expertise_level=expert.expertise_level,
        )

    # -- seed 002 ----------------------------------------------------------------------
    def _points(self, issue: Issue, expert: Expert, at: datetime, decision: Decision) -> Candidate:
        cfg = self.profile.matching.points
        matching = self.profile.matching
        category = (issue.category or decision.recommended_expert_type or "").lower()
        own = {s.lower() for s in expert.specializations}
        reasons: list[str] = []
        spec = cfg.specialization if category and category in own else 0.0
        if spec:
            reasons.append(f"Specializes in {category}")
        rating = min((expert.rating or 0.0) * cfg.rating_multiplier, cfg.rating_cap)
        if expert.rating is not None and expert.rating >= 4.5:
            reasons.append(f"Top rated ({expert.rating:g}/5)")
        if expert.completed_reviews >= 100:
            experience = cfg.reviews_100
            reasons.append("Highly experienced (100+ reviews)")
        elif expert.completed_reviews >= 50:
            experience = cfg.reviews_50
            reasons.append("Experienced (50+ reviews)")
        else:
            experience = 0.0
        tier_id = issue.tier or decision.recommended_tier or self.profile.default_tier
        turnaround = 0.0
        if tier_id in self.profile.tiers and expert.average_turnaround is not None:
            deadline = self.profile.tiers[tier_id].turnaround_hours
            if expert.average_turnaround <= cfg.turnaround_share * deadline:
                turnaround = cfg.turnaround
                reasons.append(f"Fast turnaround ({expert.average_turnaround:g}h average)")
        maxima = {
            "specialization": cfg.specialization,
            "rating": cfg.rating_cap,
            "experience": max(cfg.reviews_100, cfg.reviews_50),
            "turnaround": cfg.turnaround,
        }
        earned = {"specialization": spec, "rating": rating, "experience": experience, "turnaround": turnaround}
        factors = {
            name: Factor(
                value=round(earned[name] / top, 4) if top else 0.0,
                weight=top / 100,
                contribution=round(earned[name] / 100, 4),
            )
            for name, top in maxima.items()
        }
        _, reachable, next_at = expert_presence(
            expert, at, decision.urgency, self.profile.matching.weighted.after_hours_presence,
            matching.business_day_start, matching.business_day_end, self.coverage,
        )
        if reachable:
            reasons += self._on_call(expert, at)
        total = min(sum(earned.values()), 100.0)
        return Candidate(
            expert_id=expert.id,
            expert_name=expert.name,
            match_score=round(max(total, 0.0), 1),
            reasons=reasons,
            factors=factors,
            available_now=reachable,
            next_available_at=next_at,
            current_workload=expert.current_workload,
            estimated_turnaround_hours=expert.average_turnaround,
            response_sla_minutes=expert.availability.response_sla_minutes,
            expertise_level=expert.expertise_level,
        )

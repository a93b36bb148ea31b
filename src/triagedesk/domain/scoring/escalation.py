"""The escalation engine: a profile compiled into a fast scorer, and the explained `Decision`."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from triagedesk.domain.models import URGENCIES, URGENCY_RANK, Decision, Factor, Issue, Urgency
from triagedesk.domain.scoring.compiled import compile_assess
from triagedesk.domain.scoring.facts import compile_sum, fact_getters, issue_text, normalise
from triagedesk.domain.scoring.keywords import KeywordGroup, words_of
from triagedesk.domain.scoring.profiles import Condition, Profile, Rule

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
    "in": lambda value, options: value in options,
}

Test = Callable[[dict[str, Any], str, Any], bool]
"""(facts, lower-cased text, its words) -> whether a condition holds."""


class Assessment(NamedTuple):
    """The scorer's fast answer for one issue: enough to sort and filter a queue."""

    urgency_rank: int
    score: float
    should_escalate: bool
    fired: tuple[int, ...]
    order: float
    """Sort key: most urgent first, then the highest score (`2 * rank + 1 - score`)."""

    @property
    def urgency(self) -> Urgency:
        return URGENCIES[self.urgency_rank]



class Route(NamedTuple):
    """Where an issue goes, without the explanation: `decide`'s routing fields at about `assess`'s cost."""

    should_escalate: bool
    urgency: Urgency
    recommended_tier: str | None
    recommended_expert_type: str | None
    expert_level: str | None
    response_due_minutes: int | None
    estimated_expert_minutes: int


def _condition_test(cond: Condition, group: KeywordGroup | None) -> Test:
    if group is not None:
        return lambda facts, text, words: group.matches(text, words)
    fact = cond.fact
    assert fact is not None  # the profile's validator: a condition without keywords has a fact
    if cond.op == "true":
        return lambda facts, text, words: bool(facts[fact])
    if cond.op == "false":
        return lambda facts, text, words: not facts[fact]
    compare = _OPS[cond.op]
    target = cond.value
    if isinstance(target, str):
        target = target.lower()
    elif isinstance(target, list):
        target = frozenset(v.lower() if isinstance(v, str) else v for v in target)

    def test(facts: dict[str, Any], text: str, words: Any) -> bool:
        value = facts[fact]
        return value is not None and compare(value, target)

    return test


def _rule_test(rule: Rule, groups: list[KeywordGroup | None]) -> Test:
    tests = tuple(_condition_test(c, g) for c, g in zip(rule.when, groups, strict=True))
    if len(tests) == 1:
        return tests[0]
    if rule.match == "any":
        return lambda facts, text, words: any(t(facts, text, words) for t in tests)
    return lambda facts, text, words: all(t(facts, text, words) for t in tests)


class _Safe(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _render(template: str, facts: dict[str, Any]) -> str:
    try:
        return template.format_map(_Safe(facts))
    except (TypeError, ValueError):
        return template.format_map(_Safe({k: "?" if v is None else str(v) for k, v in facts.items()}))


class Scorer:
    """A profile compiled once; `assess` is the hot path, `decide` explains a single issue."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.rules: list[Rule] = profile.trigger_rules() + list(profile.rules)
        self._groups = [[KeywordGroup(c.keywords) if c.keywords is not None else None for c in r.when]
                        for r in self.rules]
        self._rule_tests = tuple(_rule_test(r, g) for r, g in zip(self.rules, self._groups, strict=True))
        getters = fact_getters(profile)
        self._all_getters = tuple(getters.items())
        self._derived = tuple((name, compile_sum(parts)) for name, parts in profile.facts.items())
        self._score = compile_sum(profile.score)
        self._threshold = profile.escalate_above
        self.assess: Callable[[Issue], Assessment] = compile_assess(
            profile, self.rules, Assessment
        )
        """Score, urgency and fired rules of one issue, with no model built (the hot path)."""
        self._categories = {
            name: KeywordGroup(
                [*cat.keywords, *(kw for kws in cat.specializations.values() for kw in kws)]
            )
            for name, cat in profile.expert_categories.items()
            if cat.keywords or cat.specializations
        }

    def _facts(self, issue: Issue, text: str, getters: Iterable[tuple[str, Any]]) -> dict[str, Any]:
        facts = {name: get(issue, text) for name, get in getters}
        for name, weighted in self._derived:
            facts[name] = weighted(facts)
        return facts

    def assess_many(self, issues: Iterable[Issue]) -> list[Assessment]:
        assess = self.assess
        return [assess(issue) for issue in issues]

    # -- the explained decision ------------------------------------------------------------
    def all_facts(self, issue: Issue) -> dict[str, Any]:
        """Every fact of an issue, for reasons, packages and the desk's detail pane."""
        return self._facts(issue, issue_text(issue), self._all_getters)

    def decide(self, issue: Issue) -> Decision:
        """The full decision for one issue: factors, triggers, reasons, tier, message."""
        profile = self.profile
        text = issue_text(issue)
        words = words_of(text)
        facts = self._facts(issue, text, self._all_getters)
        factors: dict[str, Factor] = {}
        for name, part in profile.score.items():
            value = normalise(part, facts[part.fact])
            factors[name] = Factor(
                value=round(value, 4),
                weight=part.weight,
                contribution=round(value * part.weight, 4),
            )
        score = self._score(facts)
        fired = [i for i, test in enumerate(self._rule_tests) if test(facts, text, words)]
        fired_rules = [self.rules[i] for i in fired]
        reasons = [self._reason(i, facts, text, words) for i in fired]
        triggers = [rule.id for rule in fired_rules]
        if fired_rules:
            urgency = min((r.urgency for r in fired_rules), key=URGENCY_RANK.__getitem__)
            escalate = True
        elif self._threshold is not None and score > self._threshold:
            urgency, escalate = profile.score_escalation_urgency, True
        else:
            urgency, escalate = "low", False
        if self._threshold is not None and score > self._threshold:
            triggers.append("score_above_threshold")
            reasons.append(f"Escalation score {score:.2f} is above {self._threshold:g}")
        routed = self._route(issue, text, words, fired_rules, escalate, urgency,
                             lambda: facts.get("complexity", 0.0))
        impact = facts.get(profile.impact_fact) if profile.impact_fact else None
        return Decision(
            issue_id=issue.id,
            profile=profile.name,
            score=round(score, 4),
            business_impact=None if impact is None else round(impact, 4),
            factors=factors,
            triggers=triggers,
            reasons=reasons,
            message=profile.urgencies[urgency].message,
            **routed._asdict(),
        )

    def route(self, issue: Issue) -> Route:
        """`decide`'s routing fields (tier, expert, response and effort) on the compiled path: no reasons."""
        fast = self.assess(issue)
        text = issue_text(issue)
        fired_rules = [self.rules[i] for i in fast.fired]
        return self._route(issue, text, words_of(text), fired_rules, fast.should_escalate, fast.urgency,
                           lambda: self._complexity(issue, text))

    def _complexity(self, issue: Issue, text: str) -> Any:
        return self._facts(issue, text, self._all_getters).get("complexity")

    def _route(self, issue: Issue, text: str, words: Any, fired_rules: list[Rule], escalate: bool, urgency: Urgency,
               complexity: Callable[[], Any]) -> Route:
        """The tier, expert type and level, response time and effort that follow from the fired rules."""
        profile = self.profile
        by_urgency = sorted(fired_rules, key=lambda r: URGENCY_RANK[r.urgency])
        tier_id = self._tier(fired_rules, escalate)
        policy = profile.urgencies[urgency]
        if tier_id is not None:
            tier = profile.tiers[tier_id]
            response: int | None = round(tier.turnaround_hours * 60)
            effort = tier.expert_minutes
        else:
            response = policy.response_minutes
            effort = round(policy.expert_minutes * (1.0 + (complexity() or 0.0)))
        return Route(
            should_escalate=escalate,
            urgency=urgency,
            recommended_tier=tier_id,
            recommended_expert_type=self.expert_type(issue, text, by_urgency, words),
            expert_level=next((r.expert_level for r in by_urgency if r.expert_level), None),
            response_due_minutes=response,
            estimated_expert_minutes=effort,
        )

    def _reason(self, index: int, facts: dict[str, Any], text: str, words: Any) -> str:
        hits: list[str] = []
        for group in self._groups[index]:
            if group is not None:
                hits.extend(group.hits(text, words))
        return _render(self.rules[index].reason, {**facts, "matched_keywords": ", ".join(hits)})

    def _tier(self, fired_rules: list[Rule], escalate: bool) -> str | None:
        tiers = self.profile.tiers
        named = [r.tier for r in fired_rules if r.tier is not None]
        if named:
            return max(named, key=lambda t: (tiers[t].price, tiers[t].turnaround_hours))
        return self.profile.default_tier if escalate else None

    def expert_type(self, issue: Issue, text: str, fired_by_urgency: list[Rule], words: Any = None) -> str | None:
        """The kind of expert an issue needs: from a trigger, the category or the keywords."""
        profile = self.profile
        if profile.expert_type_from == "category":
            return issue.category.lower() if issue.category else profile.default_expert_type
        for rule in fired_by_urgency:
            if rule.expert_type:
                return rule.expert_type
        best, best_hits = None, 0
        for name, group in self._categories.items():
            hits = group.count(text, words)
            if hits > best_hits:
                best, best_hits = name, hits
        return best or profile.default_expert_type


"""Properties of the engine over generated issues: bounds, monotonicity, fast path = explained path."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from triagedesk.domain.models import Issue
from triagedesk.domain.scoring.escalation import Scorer

WORDS = ["outage", "down", "download", "breach", "backup failed", "config change", "unexpected",
         "cisco", "juniper", "gdpr", "best practice", "migration", "silver", "[bold]", "\x1b[31m", "é"]

text = st.lists(st.sampled_from(WORDS) | st.text(max_size=8), max_size=6).map(" ".join)
research = st.none() | st.fixed_dictionaries({
    "overall_confidence": st.floats(0, 1),
    "research_duration_minutes": st.floats(0, 10_000),
    "failed_remediation_attempts": st.integers(0, 20),
    "vendor_escalation_recommended": st.booleans(),
    "known_bugs": st.lists(st.text(max_size=5), max_size=4),
})
value = st.none() | st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)).map(
    lambda t: {"min": min(t), "max": max(t)})
issues = st.builds(
    lambda **kw: Issue(**kw),
    title=text, description=text,
    users_affected=st.integers(0, 10**7), total_users=st.none() | st.integers(1, 10**7),
    affected_systems=st.lists(st.text(max_size=4), max_size=15),
    estimated_revenue_impact=st.floats(0, 1e9),
    compliance_risk_level=st.none() | st.sampled_from(["low", "medium", "high"]),
    data_classification=st.none() | st.sampled_from(["public", "internal", "confidential", "restricted"]),
    error_messages=st.lists(text, max_size=6), symptoms=st.lists(text, max_size=3),
    research=research,
    category=st.none() | st.sampled_from(["silver", "Watches", "art", "furniture", "toys"]),
    estimated_value=value, confidence=st.none() | st.floats(0, 1),
    authentication_risk=st.none() | st.sampled_from(["none", "low", "medium", "high", "very_high"]),
    expert_referral_recommended=st.booleans(),
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def scorers(infra_scorer: Scorer, appraisal_scorer: Scorer) -> list[Scorer]:
    return [infra_scorer, appraisal_scorer]


@SETTINGS
@given(issue=issues)
def test_score_bounds_and_paths_agree(scorers: list[Scorer], issue: Issue) -> None:
    for scorer in scorers:
        decision = scorer.decide(issue)
        fast = scorer.assess(issue)
        assert 0.0 <= decision.score <= 1.0
        assert 0.0 <= fast.score <= 1.0
        assert fast.score == pytest.approx(decision.score, abs=1e-4)
        assert fast.urgency == decision.urgency
        assert fast.should_escalate == decision.should_escalate
        assert [scorer.rules[i].id for i in fast.fired] == [
            t for t in decision.triggers if t != "score_above_threshold"]
        route = scorer.route(issue)  # the demo's and the queue's routing: the decision's own fields
        assert route._asdict() == {name: getattr(decision, name) for name in route._fields}
        if decision.business_impact is not None:
            assert 0.0 <= decision.business_impact <= 1.0
        for factor in decision.factors.values():
            assert 0.0 <= factor.value <= 1.0
        assert decision.message


IMPACT_STEPS: list[tuple[str, list[Any]]] = [
    ("users_affected", [0, 10, 500, 999, 1000, 5000]),
    ("affected_systems", [[], ["a"], ["a"] * 9, ["a"] * 10, ["a"] * 30]),
    ("estimated_revenue_impact", [0, 1, 50_000, 100_000, 1e7]),
    ("compliance_risk_level", ["low", "medium", "high"]),
    ("data_classification", ["public", "internal", "confidential", "restricted"]),
]


@SETTINGS
@given(issue=issues, step=st.sampled_from(IMPACT_STEPS))
def test_impact_is_monotone_in_each_factor(infra_scorer: Scorer, issue: Issue, step) -> None:
    field, ladder = step
    impacts = [infra_scorer.all_facts(issue.model_copy(update={field: v}))["business_impact"] for v in ladder]
    assert impacts == sorted(impacts)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
FIELDS = ["title", "users_affected", "total_users", "affected_systems", "estimated_revenue_impact",
          "compliance_risk_level", "research", "estimated_value", "estimatedValue", "confidence",
          "category", "authentication_risk", "error_messages", "bogus"]


@SETTINGS
@given(raw=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6))
def test_any_input_either_validates_or_scores(scorers: list[Scorer], raw: dict[str, Any]) -> None:
    try:
        issue = Issue.model_validate(raw)
    except ValidationError:
        return
    for scorer in scorers:
        decision = scorer.decide(issue)
        assert 0.0 <= decision.score <= 1.0

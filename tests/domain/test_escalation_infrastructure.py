"""Seed 000 worked by hand: business impact, critical triggers, the 30-minute and 4-hour rules, the score."""

from __future__ import annotations

import pytest

from triagedesk.domain.models import Issue
from triagedesk.domain.scoring.escalation import Scorer


def impact(scorer: Scorer, **fields) -> float:
    return scorer.all_facts(Issue(**fields))["business_impact"]


def test_business_impact_worked_example(infra_scorer: Scorer) -> None:
    # .3*min(600/1000,1) + .2*(3/10) + .2*(50000/100000) + .15*medium(.5) + .15*confidential(.7)
    # = .18 + .06 + .10 + .075 + .105 = .52
    value = impact(
        infra_scorer, users_affected=600, affected_systems=["db", "api", "web"],
        estimated_revenue_impact=50_000, compliance_risk_level="medium",
        data_classification="confidential",
    )
    assert value == pytest.approx(0.52)


def test_business_impact_defaults_follow_the_seed(infra_scorer: Scorer) -> None:
    # missing compliance counts as low (0), missing classification as internal (.3): .15*.3 = .045
    assert impact(infra_scorer) == pytest.approx(0.045)


def test_business_impact_caps(infra_scorer: Scorer) -> None:
    # every factor past its cap: .3 + .2 + .2 + .15*high(1) + .15*restricted(1) = 1.0
    value = impact(
        infra_scorer, users_affected=5000, affected_systems=[f"s{i}" for i in range(25)],
        estimated_revenue_impact=1_000_000, compliance_risk_level="high",
        data_classification="restricted",
    )
    assert value == pytest.approx(1.0)
    # public data counts 0: only users at half the cap: .3*.5 = .15
    assert impact(infra_scorer, users_affected=500, data_classification="public") == pytest.approx(0.15)


def test_escalation_score_breakdown(infra_scorer: Scorer) -> None:
    issue = Issue(
        id="INC-1", title="Database outage", description="primary db is down",
        users_affected=600, affected_systems=["db", "api", "web"], estimated_revenue_impact=50_000,
        compliance_risk_level="medium", data_classification="confidential",
        research={"overall_confidence": 0.4, "research_duration_minutes": 90,
                  "failed_remediation_attempts": 2, "vendor_escalation_recommended": True},
    )
    decision = infra_scorer.decide(issue)
    # complexity = .25*(3 systems/5) = .15 (no known bugs, errors or vendors)
    # score = .40*.52 + .15*(1-.4) + .15*(90/120) + .10*(2/3) + .15*.15 + .05*1
    #       = .208 + .09 + .1125 + .0667 + .0225 + .05 = .5497
    assert decision.score == pytest.approx(0.5497, abs=1e-4)
    assert decision.business_impact == pytest.approx(0.52)
    f = decision.factors
    assert f["business_impact"].contribution == pytest.approx(0.208)
    assert f["research_confidence"].value == pytest.approx(0.6)
    assert f["time_invested"].contribution == pytest.approx(0.1125)
    assert f["failed_attempts"].value == pytest.approx(2 / 3, abs=1e-4)
    assert f["complexity"].value == pytest.approx(0.15)
    assert sum(x.weight for x in f.values()) == pytest.approx(1.0)
    # 'outage' and 'down' are production_down keywords: a critical trigger always escalates
    assert decision.should_escalate and decision.urgency == "critical"
    assert decision.triggers[0] == "production_down"
    assert decision.expert_level == "senior"
    assert decision.reasons[0] == "Critical trigger production_down: outage, down (high business impact)"
    assert "failed_remediation" in decision.triggers and "vendor_escalation" in decision.triggers
    assert "majority_users_affected" in decision.triggers  # 600 of the 1000 default population
    assert decision.response_due_minutes == 15
    # critical effort 120 minutes x (1 + complexity .15) = 138
    assert decision.estimated_expert_minutes == 138
    assert decision.message == "Immediate escalation: page the on-call expert now."


def test_score_above_threshold_escalates_alone(infra_scorer: Scorer) -> None:
    issue = Issue(
        title="Intermittent errors in the reporting service", description="Reports time out at night.",
        users_affected=1000, total_users=2000, affected_systems=[f"s{i}" for i in range(10)],
        estimated_revenue_impact=100_000, compliance_risk_level="medium",
        data_classification="restricted", error_messages=["E1", "E2", "E3", "E4", "E5"],
        research={"overall_confidence": 0.6, "research_duration_minutes": 120,
                  "failed_remediation_attempts": 1, "known_bugs": ["a", "b", "c"]},
    )
    decision = infra_scorer.decide(issue)
    # impact = .3 + .2 + .2 + .15*.5 + .15*1 = .925; complexity = .25*(1 + 1 + 1 + 0) = .75
    # score = .40*.925 + .15*.4 + .15*1 + .10*(1/3) + .15*.75 + 0 = .7258 > .7
    assert decision.score == pytest.approx(0.7258, abs=1e-4)
    assert decision.triggers == ["score_above_threshold"]
    assert decision.should_escalate and decision.urgency == "medium"
    assert decision.reasons == ["Escalation score 0.73 is above 0.7"]


@pytest.mark.parametrize(
    ("text", "trigger", "expert_type"),
    [
        ("Payroll portal unavailable since 9am", "production_down", None),
        ("Possible intrusion: admin account compromised", "security_incident", "security_engineering"),
        ("Files deleted by the retention job", "data_loss", "virtualization"),
        ("Nightly backup failed again", "data_loss", "virtualization"),  # backup_failed
        ("MALWARE found on two laptops", "security_incident", "security_engineering"),
    ],
)
def test_critical_triggers(infra_scorer: Scorer, text: str, trigger: str, expert_type: str | None) -> None:
    decision = infra_scorer.decide(Issue(title=text, research={"overall_confidence": 0.9}))
    assert trigger in decision.triggers
    assert decision.urgency == "critical" and decision.should_escalate
    if expert_type:
        assert decision.recommended_expert_type == expert_type


def test_keywords_are_word_aware(infra_scorer: Scorer) -> None:
    calm = Issue(title="Download speed in the lobby", description="A dropdown is slow to load.",
                 research={"overall_confidence": 0.9})
    decision = infra_scorer.decide(calm)
    assert decision.triggers == []
    assert not decision.should_escalate and decision.urgency == "low"
    assert decision.recommended_tier is None


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"research": {"overall_confidence": 0.9, "failed_remediation_attempts": 2}}, "failed_remediation"),
        ({"users_affected": 51, "total_users": 100}, "majority_users_affected"),
        ({"title": "Config change had unexpected results on the proxy"}, "config_change_unexpected"),
        ({"research": {"overall_confidence": 0.9, "vendor_escalation_recommended": True}}, "vendor_escalation"),
    ],
)
def test_thirty_minute_rule(infra_scorer: Scorer, fields: dict, rule: str) -> None:
    fields.setdefault("research", {"overall_confidence": 0.9})
    decision = infra_scorer.decide(Issue(**fields))
    assert rule in decision.triggers
    assert decision.urgency == "high"
    assert decision.response_due_minutes == 30


def test_half_the_users_is_not_more_than_half(infra_scorer: Scorer) -> None:
    decision = infra_scorer.decide(Issue(users_affected=50, total_users=100,
                                         research={"overall_confidence": 0.9}))
    assert "majority_users_affected" not in decision.triggers


@pytest.mark.parametrize(
    ("fields", "rule"),
    [
        ({"title": "Cisco and Juniper routers disagree on timers"}, "multi_vendor"),
        ({"research": {"overall_confidence": 0.59}}, "low_research_confidence"),
        ({"title": "Best practice guidance for the datacenter migration"}, "major_change_guidance"),
        ({"title": "Is our log retention GDPR compliant?"}, "compliance_question"),
        ({"compliance_risk_level": "high"}, "compliance_question"),
    ],
)
def test_four_hour_rule(infra_scorer: Scorer, fields: dict, rule: str) -> None:
    fields.setdefault("research", {"overall_confidence": 0.9})
    decision = infra_scorer.decide(Issue(**fields))
    assert rule in decision.triggers
    assert decision.urgency == "medium"
    assert decision.response_due_minutes == 240


def test_missing_research_counts_as_zero_confidence(infra_scorer: Scorer) -> None:
    # seed: research_results.get('overall_confidence', 0.0)
    decision = infra_scorer.decide(Issue(title="Question"))
    assert decision.factors["research_confidence"].value == pytest.approx(1.0)
    assert decision.reasons == []  # #12 §6: the 60% rule waits for research results


def test_expert_type_from_keywords(infra_scorer: Scorer) -> None:
    decision = infra_scorer.decide(Issue(title="BGP sessions flap on the WAN routers",
                                         research={"overall_confidence": 0.9}))
    assert decision.recommended_expert_type == "network_architecture"


def test_fast_path_agrees_with_decision(infra_scorer: Scorer) -> None:
    issue = Issue(title="Outage", users_affected=700, research={"overall_confidence": 0.3})
    fast = infra_scorer.assess(issue)
    decision = infra_scorer.decide(issue)
    assert fast.urgency == decision.urgency
    assert fast.score == pytest.approx(decision.score, abs=1e-4)
    assert [infra_scorer.rules[i].id for i in fast.fired] == decision.triggers


def test_an_unresearched_question_does_not_trip_the_research_confidence_rule(infra_scorer) -> None:
    """#12 §6: without a research block the confidence read as 0, so every question escalated at medium."""
    from triagedesk.domain.models import Issue

    plain = infra_scorer.decide(Issue(title="How should we size the new VLAN?"))
    assert "low_research_confidence" not in plain.triggers
    assert not plain.should_escalate
    assert plain.factors["research_confidence"].value == 1.0  # the score keeps .get('overall_confidence', 0.0)
    researched = infra_scorer.decide(Issue(title="How should we size the new VLAN?",
                                           research={"overall_confidence": 0.4}))
    assert "low_research_confidence" in researched.triggers and researched.should_escalate

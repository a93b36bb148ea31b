"""Seed 002's evaluateEscalation worked by hand: value bands, confidence, authentication, categories."""

from __future__ import annotations

import pytest

from triagedesk.domain.models import Issue
from triagedesk.domain.scoring.escalation import Scorer


def cents(low: float, high: float) -> dict[str, int]:
    return {"min": round(low * 100), "max": round(high * 100)}


def test_seed_example_georgian_silver(appraisal_scorer: Scorer) -> None:
    # estimatedValue {min: 350000, max: 700000} cents: mid = (3500 + 7000) / 2 = $5,250 -> premium
    issue = Issue(id="a1", title="Georgian silver teapot", category="silver",
                  estimated_value={"min": 350000, "max": 700000}, confidence=0.8)
    d = appraisal_scorer.decide(issue)
    assert d.should_escalate
    assert d.urgency == "high"
    assert d.reasons == ["High-value item: $5,250 estimated", "High-risk category: silver"]
    assert d.recommended_tier == "premium-appraisal"
    assert d.recommended_expert_type == "silver"
    assert d.message == "📋 Professional appraisal recommended for this high-value item."
    assert d.response_due_minutes == 7 * 24 * 60
    assert d.business_impact is None


@pytest.mark.parametrize(
    ("low", "high", "urgency", "tier"),
    [
        (50, 150, "medium", "quick-review"),           # mid $100: first band
        (400, 598, "medium", "quick-review"),          # mid $499
        (400, 600, "high", "full-authentication"),     # mid $500
        (4000, 5999, "high", "full-authentication"),   # mid $4,999.50
        (4000, 6000, "high", "premium-appraisal"),     # mid $5,000
    ],
)
def test_value_bands(appraisal_scorer: Scorer, low: float, high: float, urgency: str, tier: str) -> None:
    d = appraisal_scorer.decide(Issue(category="furniture", estimated_value=cents(low, high), confidence=0.9))
    assert (d.urgency, d.recommended_tier) == (urgency, tier)
    assert d.should_escalate


def test_below_the_bands_nothing_is_offered(appraisal_scorer: Scorer) -> None:
    d = appraisal_scorer.decide(Issue(category="furniture", estimated_value=cents(40, 60), confidence=0.9))
    assert not d.should_escalate
    assert d.urgency == "low" and d.recommended_tier is None and d.reasons == []
    assert d.message == "Expert review available for additional confidence."


def test_low_confidence_offers_quick_review(appraisal_scorer: Scorer) -> None:
    d = appraisal_scorer.decide(Issue(category="furniture", estimated_value=cents(40, 60), confidence=0.5))
    assert d.urgency == "medium" and d.recommended_tier == "quick-review"
    assert d.reasons == ["Low AI confidence: 50%"]
    assert d.message == "💡 Expert verification available to confirm this identification."


def test_authentication_risk_is_critical(appraisal_scorer: Scorer) -> None:
    d = appraisal_scorer.decide(Issue(category="furniture", estimated_value=cents(40, 60),
                                      confidence=0.9, authentication_risk="very_high"))
    assert d.urgency == "critical" and d.recommended_tier == "full-authentication"
    assert d.message == "⚠️ Expert review strongly recommended due to authenticity concerns."


def test_the_most_comprehensive_tier_wins(appraisal_scorer: Scorer) -> None:
    # $8,000 asks for premium, authentication risk for full authentication: premium covers both
    d = appraisal_scorer.decide(Issue(category="watches", estimated_value=cents(4000, 12000),
                                      confidence=0.55, authentication_risk="high"))
    assert d.urgency == "critical"
    assert d.recommended_tier == "premium-appraisal"
    assert d.triggers == ["value_premium_appraisal", "low_confidence", "authentication_concerns",
                          "high_risk_low_confidence", "high_risk_category"]


def test_high_risk_category_with_low_confidence(appraisal_scorer: Scorer) -> None:
    d = appraisal_scorer.decide(Issue(category="Ceramics", estimated_value=cents(40, 60), confidence=0.45))
    assert d.urgency == "high" and d.recommended_tier == "full-authentication"
    assert "High-risk category with low confidence: ceramics at 45%" in d.reasons


@pytest.mark.parametrize("category", ["watches", "jewelry", "silver", "art", "ceramics"])
def test_high_risk_categories_always_offer(appraisal_scorer: Scorer, category: str) -> None:
    d = appraisal_scorer.decide(Issue(category=category, estimated_value=cents(10, 20), confidence=0.95))
    assert d.should_escalate and d.urgency == "low"
    assert d.reasons == [f"High-risk category: {category}"]
    assert d.recommended_tier == "quick-review"  # the profile's default tier for a bare offer


def test_referral_and_wide_spread(appraisal_scorer: Scorer) -> None:
    d = appraisal_scorer.decide(Issue(category="furniture", estimated_value=cents(10, 40), confidence=0.9,
                                      expert_referral_recommended=True))
    assert d.triggers == ["expert_referral", "wide_price_range"]
    assert d.reasons[1] == "Wide price range: $10 to $40 (more than 3x spread)"
    exactly_three = appraisal_scorer.decide(Issue(category="furniture", estimated_value=cents(10, 30),
                                                  confidence=0.9))
    assert "wide_price_range" not in exactly_three.triggers


def test_all_tiers_are_in_the_profile(appraisal) -> None:
    tiers = appraisal.all_tiers()
    assert [(t.id, t.price, t.turnaround_hours) for t in tiers] == [
        ("quick-review", 25, 24), ("full-authentication", 150, 48), ("premium-appraisal", 500, 168)]
    assert tiers[2].includes[0] == "USPAP-compliant written appraisal"

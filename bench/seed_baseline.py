"""The baseline: a straight transcription of the seeds' pseudo-code (dicts, one regex per keyword)."""

from __future__ import annotations

import re
from typing import Any

CRITICAL_ESCALATION_CRITERIA = {
    "production_down": {"keywords": ["outage", "down", "offline", "unavailable", "critical"], "urgency": "critical"},
    "security_incident": {"keywords": ["breach", "intrusion", "malware", "unauthorized", "compromised"],
                          "urgency": "critical"},
    "data_loss": {"keywords": ["corruption", "lost", "deleted", "recovery", "backup_failed"], "urgency": "critical"},
}
CONFIG = (["configuration change", "config change", "change", "changed", "upgrade", "upgraded", "patch",
           "patched", "deploy", "deployed", "deployment", "rollout", "migration"],
          ["unexpected", "unexpectedly", "regression", "broke", "broken", "since the change", "not as expected"])
MULTI_VENDOR = ["multi-vendor", "multivendor", "multiple vendors", "cross-vendor"]
VENDORS = ["cisco", "juniper", "arista", "palo alto", "fortinet", "f5", "vmware", "microsoft", "aws", "azure",
           "gcp", "google cloud", "oracle", "red hat", "netapp", "dell", "hpe", "ibm", "citrix", "nutanix",
           "okta", "cloudflare"]
GUIDANCE = (["best practice", "guidance", "recommendation", "advice", "review our plan"],
            ["major change", "migration", "migrate", "redesign", "re-architecture", "cutover", "upgrade"])
COMPLIANCE = ["compliance", "regulatory", "regulation", "gdpr", "hipaa", "pci", "pci-dss", "sox", "iso 27001",
              "soc 2", "audit"]
HIGH_RISK = ["watches", "jewelry", "silver", "art", "ceramics"]
RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}


def keyword_found(keyword: str, text: str) -> bool:
    words = r"[\s_\-]+".join(map(re.escape, re.split(r"[\s_\-]+", keyword)))
    pattern = r"(?<![a-z0-9])" + words + r"(?:s|es)?(?![a-z0-9])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def any_keyword(keywords: list[str], text: str) -> bool:
    return any(keyword_found(k, text) for k in keywords)


def calculate_business_impact(issue_context: dict[str, Any]) -> float:
    impact_factors = {
        "users_affected": issue_context.get("users_affected", 0),
        "systems_affected": len(issue_context.get("affected_systems", [])),
        "revenue_impact": issue_context.get("estimated_revenue_impact", 0),
        "compliance_risk": issue_context.get("compliance_risk_level") or "low",
        "data_sensitivity": issue_context.get("data_classification") or "internal",
    }
    weights = {"users_affected": 0.3, "systems_affected": 0.2, "revenue_impact": 0.2,
               "compliance_risk": 0.15, "data_sensitivity": 0.15}
    normalized_scores = {
        "users_affected": min(impact_factors["users_affected"] / 1000, 1.0),
        "systems_affected": min(impact_factors["systems_affected"] / 10, 1.0),
        "revenue_impact": min(impact_factors["revenue_impact"] / 100000, 1.0),
        "compliance_risk": {"low": 0.0, "medium": 0.5, "high": 1.0}.get(impact_factors["compliance_risk"], 0.0),
        "data_sensitivity": {"public": 0.0, "internal": 0.3, "confidential": 0.7, "restricted": 1.0}.get(
            impact_factors["data_sensitivity"], 0.0),
    }
    return min(sum(normalized_scores[f] * weights[f] for f in weights), 1.0)


def should_escalate(issue_context: dict[str, Any], research_results: dict[str, Any]) -> dict[str, Any]:
    text = " ".join([issue_context.get("title", ""), issue_context.get("description", ""),
                     *issue_context.get("symptoms", []), *issue_context.get("error_messages", [])])
    vendors = sum(1 for v in VENDORS if keyword_found(v, text))
    systems = len(issue_context.get("affected_systems", []))
    complexity = (0.25 * min(systems / 5, 1) + 0.25 * min(len(research_results.get("known_bugs", [])) / 3, 1)
                  + 0.25 * min(len(issue_context.get("error_messages", [])) / 5, 1) + 0.25 * min(vendors / 2, 1))
    escalation_factors = {
        "business_impact_score": calculate_business_impact(issue_context),
        "research_confidence": research_results.get("overall_confidence", 0.0),
        "time_invested": research_results.get("research_duration_minutes", 0),
        "failed_attempts": research_results.get("failed_remediation_attempts", 0),
        "complexity_indicators": complexity,
        "vendor_escalation_suggested": research_results.get("vendor_escalation_recommended", False),
    }
    score = min(1.0, 0.40 * escalation_factors["business_impact_score"]
                + 0.15 * (1 - escalation_factors["research_confidence"])
                + 0.15 * min(escalation_factors["time_invested"] / 120, 1)
                + 0.10 * min(escalation_factors["failed_attempts"] / 3, 1)
                + 0.15 * escalation_factors["complexity_indicators"]
                + 0.05 * (1.0 if escalation_factors["vendor_escalation_suggested"] else 0.0))
    urgency = None
    for criteria in CRITICAL_ESCALATION_CRITERIA.values():
        if any_keyword(criteria["keywords"], text):
            urgency = "critical"
    total = issue_context.get("total_users") or 1000
    high = (escalation_factors["failed_attempts"] >= 2
            or issue_context.get("users_affected", 0) / total > 0.5
            or (any_keyword(CONFIG[0], text) and any_keyword(CONFIG[1], text))
            or escalation_factors["vendor_escalation_suggested"])
    standard = (vendors >= 2 or any_keyword(MULTI_VENDOR, text)
                or escalation_factors["research_confidence"] < 0.6
                or (any_keyword(GUIDANCE[0], text) and any_keyword(GUIDANCE[1], text))
                or any_keyword(COMPLIANCE, text) or issue_context.get("compliance_risk_level") == "high")
    if urgency is None:
        urgency = "high" if high else "medium" if standard else None
    escalate = urgency is not None or score > 0.7
    if urgency is None:
        urgency = "medium" if score > 0.7 else "low"
    return {"should_escalate": escalate, "escalation_urgency": urgency, "score": score}


def evaluate_escalation(analysis: dict[str, Any]) -> dict[str, Any]:
    """Seed 002's evaluateEscalation, transcribed."""
    reasons: list[str] = []
    urgency = "low"
    should_offer = False
    value = analysis.get("estimated_value")
    confidence = analysis.get("confidence")
    category = (analysis.get("category") or "").lower()

    def raise_to(level: str) -> None:
        nonlocal urgency
        if RANK[level] < RANK[urgency]:
            urgency = level

    if value:
        mid = (value["min"] + value["max"]) / 2 / 100
        if mid >= 5000 or mid >= 500:
            should_offer = True
            raise_to("high")
            reasons.append(f"High-value item: ${mid:,.0f} estimated")
        elif mid >= 100:
            should_offer = True
            raise_to("medium")
            reasons.append(f"Moderate-value item: ${mid:,.0f} estimated")
        spread = value["max"] / value["min"] if value["min"] else float("inf") if value["max"] else 1
        if spread > 3:
            should_offer = True
            reasons.append("Wide price range")
    if confidence is not None and confidence < 0.6:
        should_offer = True
        raise_to("medium")
    if analysis.get("authentication_risk") in ("high", "very_high"):
        should_offer = True
        raise_to("critical")
    if category in HIGH_RISK:
        should_offer = True
        reasons.append(f"High-risk category: {category}")
        if confidence is not None and confidence < 0.6:
            raise_to("high")
    if analysis.get("expert_referral_recommended"):
        should_offer = True
    score = 0.0 if value is None else min(1.0, (value["min"] + value["max"]) / 2 / 100 / 5000) * 0.3
    return {"shouldOffer": should_offer, "urgency": urgency, "score": score, "reasons": reasons}


def baseline_decide(record: dict[str, Any]) -> tuple[int, float]:
    if record["profile"] == "infrastructure":
        decision = should_escalate(record, record.get("research") or {})
        return RANK[decision["escalation_urgency"]], decision["score"]
    decision = evaluate_escalation(record)
    return RANK[decision["urgency"]], decision["score"]

"""Facts read off an issue (counts, ratios, values) and the weighted sums built from them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from triagedesk.domain.models import EstimatedValue, Issue
from triagedesk.domain.scoring.keywords import KeywordGroup, searchable_text
from triagedesk.domain.scoring.profiles import Part, Profile

FactGetter = Callable[[Issue, str], Any]


def issue_text(issue: Issue) -> str:
    """The lower-cased text of an issue that keywords are matched against."""
    return searchable_text(issue.title, issue.description, issue.symptoms, issue.error_messages)


# Base facts as expressions over `issue`, `text`, `research` and `value` (the issue's
# research and estimated value); `P_*` names are the profile's constants. The explained
# path and the compiled hot path both evaluate these same expressions.
FACT_EXPRESSIONS: dict[str, str] = {
    "users_affected": "issue.users_affected",
    "users_affected_ratio": "issue.users_affected / (issue.total_users or P_population)",
    "systems_affected": "len(issue.affected_systems)",
    "revenue_impact": "issue.estimated_revenue_impact",
    "compliance_risk": "(issue.compliance_risk_level or P_compliance)",
    "data_sensitivity": "(issue.data_classification or P_data_class)",
    "researched": "(research is not None)",
    "research_confidence": "(0.0 if research is None else research.overall_confidence)",
    "research_duration_minutes": "(0.0 if research is None else research.research_duration_minutes)",
    "failed_attempts": "(0 if research is None else research.failed_remediation_attempts)",
    "vendor_escalation": "(False if research is None else research.vendor_escalation_recommended)",
    "known_bugs": "(0 if research is None else len(research.known_bugs))",
    "error_messages": "len(issue.error_messages)",
    "symptoms": "len(issue.symptoms)",
    "attempted_solutions": "len(issue.attempted_solutions)",
    "vendors_mentioned": "P_vendors(text)",
    "mid_value": "(None if value is None else (value.min + value.max) / 200)",
    "value_min": "(None if value is None else value.min / 100)",
    "value_max": "(None if value is None else value.max / 100)",
    "price_spread": "P_spread(value)",
    "confidence": "issue.confidence",
    "authentication_risk": "issue.authentication_risk",
    "category": "(None if issue.category is None else issue.category.lower())",
    "high_risk_category": "(issue.category is not None and issue.category.lower() in P_high_risk)",
    "expert_referral": "issue.expert_referral_recommended",
    "source_urgency": "(issue.severity or '')",
}


# What each base fact is, so the compiled path can skip type checks: "num" and "bool"
# are never None, "str" is a lower-case string, anything else may be None.
FACT_KINDS: dict[str, str] = {
    "users_affected": "num", "users_affected_ratio": "num", "systems_affected": "num",
    "revenue_impact": "num", "compliance_risk": "str", "data_sensitivity": "str",
    "research_confidence": "num", "research_duration_minutes": "num", "failed_attempts": "num",
    "researched": "bool", "vendor_escalation": "bool", "known_bugs": "num", "error_messages": "num", "symptoms": "num",
    "attempted_solutions": "num", "vendors_mentioned": "num", "high_risk_category": "bool",
    "expert_referral": "bool", "source_urgency": "str",
}


def _spread(value: EstimatedValue | None) -> float | None:
    if value is None:
        return None
    if value.min > 0:
        return value.max / value.min
    return math.inf if value.max > 0 else 1.0


def fact_namespace(profile: Profile) -> dict[str, Any]:
    """The profile constants that fact expressions read."""
    vendors = KeywordGroup(profile.vendors) if profile.vendors else None
    return {
        "P_population": profile.user_population,
        "P_compliance": profile.default_compliance_risk,
        "P_data_class": profile.default_data_classification,
        "P_high_risk": frozenset(c.lower() for c in profile.high_risk_categories),
        "P_vendors": vendors.count if vendors else (lambda text: 0),
        "P_spread": _spread,
    }


def fact_getters(profile: Profile) -> dict[str, FactGetter]:
    """One function `(issue, text) -> value` per base fact, from `FACT_EXPRESSIONS`."""
    namespace = fact_namespace(profile)
    getters: dict[str, FactGetter] = {}
    for name, expression in FACT_EXPRESSIONS.items():
        source = (
            "def get(issue, text):\n"
            "    research = issue.research\n"
            "    value = issue.estimated_value\n"
            f"    return {expression}\n"
        )
        scope = dict(namespace)
        exec(compile(source, f"<fact {name}>", "exec"), scope)  # noqa: S102 - our own expressions
        getters[name] = scope["get"]
    return getters


def normalise(part: Part, raw: Any) -> float:
    """A fact's value on [0, 1] as one weighted part sees it."""
    if raw is None:
        value = part.default
    elif part.map is not None:
        value = part.map.get(str(raw), 0.0)
    elif isinstance(raw, bool):
        value = 1.0 if raw else 0.0
    elif isinstance(raw, str):
        value = 0.0
    else:
        value = raw - part.offset
        if part.cap is not None:
            value = value / part.cap
        value = 0.0 if value < 0.0 else (1.0 if value > 1.0 else value)
    return 1.0 - value if part.invert else value


def compile_sum(parts: dict[str, Part]) -> Callable[[dict[str, Any]], float]:
    """A fast function from facts to the weighted sum of `parts`, clipped to [0, 1]."""
    spec = tuple(parts.values())

    def weighted(facts: dict[str, Any]) -> float:
        total = 0.0
        for part in spec:
            total += normalise(part, facts[part.fact]) * part.weight
        return 1.0 if total > 1.0 else total

    return weighted

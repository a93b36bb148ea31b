"""Hypothesis strategies for records: issues with every kind of field, and the words and ids they use."""

from __future__ import annotations

from hypothesis import strategies as st

from triagedesk.domain.models import Issue

words = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12)
issue_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,11}", fullmatch=True)  # the one id rule (models.ISSUE_ID)
issues = st.builds(
    Issue,
    id=issue_ids, title=st.text(max_size=20), description=st.text(max_size=30),
    profile=st.none() | st.sampled_from(["infrastructure", "appraisal"]),
    users_affected=st.integers(0, 10**6), affected_systems=st.lists(st.text(max_size=6), max_size=3),
    estimated_revenue_impact=st.floats(0, 1e9, allow_nan=False),
    compliance_risk_level=st.none() | st.sampled_from(["low", "medium", "high"]),
    research=st.none() | st.builds(dict, overall_confidence=st.floats(0, 1), known_bugs=st.lists(words, max_size=2)),
    category=st.none() | words,
    estimated_value=st.none() | st.builds(dict, min=st.just(100), max=st.integers(100, 10**7)),
    confidence=st.none() | st.floats(0, 1), restricted=st.booleans(),
)

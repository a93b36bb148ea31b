"""Insight: analytics reports, the knowledge base and the escalation package."""

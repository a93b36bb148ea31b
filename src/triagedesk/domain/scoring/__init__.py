"""Scoring: profiles, the facts read off an issue, keywords, compiled rules, the escalation decision, backtests."""

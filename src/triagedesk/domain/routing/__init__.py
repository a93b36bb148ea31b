"""Routing: which expert fits an issue, and when each is available."""

"""Requests: the lifecycle, SLA clocks, sessions, performance and sync conflicts of expert requests."""

"""One HTTP client for the tests: each call as `httpx.get`/`httpx.post` makes it (a new connection, its own
timeout), without building a TLS context per call (~20 ms of CPU each, thousands of calls a run)."""

from __future__ import annotations

import httpx

HTTP = httpx.Client(limits=httpx.Limits(max_keepalive_connections=0))
"""Shared by every test in a process; no connection is kept, so a server stopped between tests leaves nothing
stale behind."""

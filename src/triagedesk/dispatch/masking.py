"""Credentials out of sight: every URL secret replaced by *** before a message, log line or error shows it."""

from __future__ import annotations

import re

_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s?]*@", re.IGNORECASE)
_SECRET_QS = re.compile(r"(?P<key>[?&](?:pass|password|token|key|apikey|secret|pw)=)[^&\s]*", re.IGNORECASE)
_PATH_SECRETS = re.compile(r"(?P<scheme>(?:slack|discord|msteams|tgram|ntfys?|pover|gotify)s?://)[^\s?]+",
                           re.IGNORECASE)


def mask(text: str) -> str:
    """Text with every URL credential replaced by ***: user:password@, ?pass=, and the token paths of chat URLs."""
    text = _USERINFO.sub(lambda m: f"{m.group('scheme')}***@", text)
    text = _SECRET_QS.sub(lambda m: f"{m.group('key')}***", text)
    return _PATH_SECRETS.sub(lambda m: f"{m.group('scheme')}***", text)

"""Acknowledgement links: HMAC-signed tokens naming one assignment, expiring; nothing else is reachable with one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from datetime import datetime
from pathlib import Path


class TokenError(ValueError):
    """A token that is forged, damaged or expired."""


class MalformedToken(TokenError):
    """Not even the shape of a token (non-ASCII, no signature, too long): a bad request, not a forgery."""


SHAPE = re.compile(r"[A-Za-z0-9_-]{1,900}\.[A-Za-z0-9_-]{43}")
"""A token: base64url of its body, a dot, base64url of its 32-byte HMAC-SHA256 (43 characters)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make(secret: bytes, request_id: str, assigned_at: str, expires: datetime) -> str:
    body = _b64(json.dumps({"r": request_id, "a": assigned_at, "e": int(expires.timestamp())},
                           separators=(",", ":")).encode("utf-8"))
    mac = _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{mac}"


def read(secret: bytes, token: str, now: datetime) -> tuple[str, str]:
    """(request id, assignment stamp) of a valid token; raises TokenError otherwise."""
    if not SHAPE.fullmatch(token):
        raise MalformedToken("malformed token")
    body, _, mac = token.partition(".")
    expected = _b64(hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        raise TokenError("forged token")
    try:
        data = json.loads(_unb64(body))
        request_id, assigned_at, expires = str(data["r"]), str(data["a"]), int(data["e"])
    except (ValueError, KeyError, TypeError) as exc:
        raise TokenError("malformed token") from exc
    if now.timestamp() > expires:
        raise TokenError("expired token")
    return request_id, assigned_at


def secret_for(store_path: str | os.PathLike[str], configured: str | None) -> bytes:
    """The configured secret, else one kept beside the store (created once, readable by its owner only)."""
    if configured:
        return configured.encode("utf-8")
    path = Path(f"{store_path}.dispatch-secret")
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    value = secrets.token_hex(32).encode("ascii")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another dispatcher made it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(value)
    return value

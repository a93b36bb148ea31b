"""Acknowledgement links: signed tokens (itsdangerous) naming one assignment, expiring; nothing else is reachable."""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime
from pathlib import Path

from itsdangerous import BadPayload, BadSignature, URLSafeSerializer


class TokenError(ValueError):
    """A token that is forged, damaged or expired."""


class MalformedToken(TokenError):
    """Not even the shape of a token (non-ASCII, no signature, too long): a bad request, not a forgery."""


SHAPE = re.compile(r"[A-Za-z0-9_-]{1,900}\.[A-Za-z0-9_-]{20,90}")
"""A token: itsdangerous' URL-safe payload, a dot, its signature."""
SALT = "triagedesk.ack"
"""Signatures made for acknowledgement links are good for nothing else signed with the same secret."""


def _signer(secret: bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def make(secret: bytes, request_id: str, assigned_at: str, expires: datetime) -> str:
    return str(_signer(secret).dumps({"r": request_id, "a": assigned_at, "e": int(expires.timestamp())}))


def read(secret: bytes, token: str, now: datetime) -> tuple[str, str]:
    """(request id, assignment stamp) of a valid token; raises TokenError otherwise."""
    if not SHAPE.fullmatch(token):
        raise MalformedToken("malformed token")
    try:
        data = _signer(secret).loads(token)
    except BadPayload as exc:
        raise TokenError("malformed token") from exc
    except BadSignature as exc:
        raise TokenError("forged token") from exc
    try:
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

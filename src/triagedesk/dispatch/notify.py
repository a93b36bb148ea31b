"""Delivery through Apprise (email, chat, webhooks): one call per message, credentials masked in every error."""

from __future__ import annotations

import logging
from urllib.parse import quote

import apprise

from triagedesk.dispatch.masking import mask


class DeliveryError(Exception):
    """A message that did not go out (the text is already masked); a permanent one is not retried."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def resolve(target: str, mail_url: str | None, schemes: frozenset[str] | None = None) -> str:
    """The Apprise URL for a contact: a URL as it is (if its service is allowed); a bare email address through the
    shared SMTP account. Contacts are data that other desks may write: only the allowed services are used."""
    if "://" in target:
        if schemes is not None and scheme_of(target) not in schemes:
            raise DeliveryError(f"the {scheme_of(target)!r} service is not allowed (TRIAGEDESK_CONTACT_SCHEMES)",
                                permanent=True)
        return target
    if "@" in target:
        if not mail_url:
            raise DeliveryError("an email address needs the shared SMTP account (TRIAGEDESK_MAIL_URL)")
        return f"{mail_url}{'&' if '?' in mail_url else '?'}to={quote(target, safe='@')}"
    raise DeliveryError(f"not an Apprise URL or an email address: {mask(target)!r}", permanent=True)


def send(url: str, subject: str, body: str, timeout: float = 20.0) -> None:
    """Send one message; raises DeliveryError with Apprise's own reason."""
    sender = apprise.Apprise()
    try:
        added = sender.add(url)
    except Exception as exc:  # a plugin that rejects its URL loudly
        raise DeliveryError(f"bad notification URL {mask(url)}: {mask(str(exc))}", permanent=True) from None
    if not added:
        raise DeliveryError(f"bad notification URL {mask(url)}", permanent=True)
    for server in sender:
        server.socket_connect_timeout = timeout
        server.socket_read_timeout = timeout
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = sender.notify(body=body, title=subject, body_format=apprise.NotifyFormat.TEXT)
    if not ok:
        lines = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
        raise DeliveryError(mask(lines[-1] if lines else "the service refused the message")[:400])

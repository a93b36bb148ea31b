"""Delivery through Apprise (email, chat, webhooks): one call per message, with its idempotency key, its file
where the service takes files, a timeout bounding the whole send, and Apprise's own reason (masked, no log
prefix) on failure."""

from __future__ import annotations

import contextvars
import logging
import mimetypes
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import apprise
from apprise.attachment.memory import AttachMemory

from triagedesk.dispatch import deadline
from triagedesk.dispatch.masking import mask
from triagedesk.domain.requests.notices import with_package_line

KEY_HEADER = "Idempotency-Key"
REPEAT_HEADER = "X-Triagedesk-Possible-Repeat"


class DeliveryError(Exception):
    """A message that did not go out (the text is already masked); a permanent one is not retried."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    """One send: the text, its idempotency key, and the file with the line the text gets with it or without it."""

    subject: str
    body: str
    key: str
    possible_repeat: bool = False
    attachment_name: str | None = None
    attachment: str | None = None
    line_attached: str = ""
    line_not_attached: str = ""


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


_LINES: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("triagedesk_apprise_lines", default=None)
_MESSAGE_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("triagedesk_message_id", default=None)
"""Per send (sends run side by side on several threads; Apprise hands its work to its own threads with a copy
of the caller's context, so context variables follow the send where thread-locals would not)."""


class _Reasons(logging.Handler):
    """Apprise's warnings, kept per send: the reason a send failed, without the `date - LEVEL -` prefix Apprise's
    own LogCapture would add."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)

    def emit(self, record: logging.LogRecord) -> None:
        lines = _LINES.get()
        if lines is not None:
            try:
                lines.append(record.getMessage())
            except Exception:  # a malformed log call inside a plugin must not end the send
                lines.append(str(record.msg))


if not mimetypes.inited:  # once, here: Apprise would otherwise initialise it inside a send, racing the others
    mimetypes.init()

_REASONS = _Reasons()
_apprise_log = logging.getLogger("apprise")
_apprise_log.addHandler(_REASONS)
if _apprise_log.level == logging.NOTSET or _apprise_log.level > logging.WARNING:
    _apprise_log.setLevel(logging.WARNING)


def _install_message_id() -> bool:
    """An email's Message-ID carries the idempotency key: Apprise makes it with `make_msgid` inside its email
    plugin; this thread's send supplies its own (every other thread, and every other caller, gets Apprise's)."""
    try:
        from apprise.plugins.email import base as email_base
    except ImportError:  # pragma: no cover - an Apprise without its email plugin
        return False
    original = getattr(email_base, "make_msgid", None)
    if original is None or getattr(original, "_triagedesk", False):
        return original is not None

    def make_msgid(*args: Any, **kwargs: Any) -> str:
        wanted = _MESSAGE_ID.get()
        return wanted if wanted else original(*args, **kwargs)

    make_msgid._triagedesk = True  # type: ignore[attr-defined]
    email_base.make_msgid = make_msgid
    return True


MESSAGE_ID_SUPPORTED = _install_message_id()


def message_id(key: str) -> str:
    return f"<{key}@triagedesk>"


def _asset() -> apprise.AppriseAsset:
    """Apprise working on the calling (delivery) thread: in order, and without its own service deadline, which
    would hand a slow send to Apprise's shared pool, whose threads a stopping process must wait for. The
    per-target timeout is the socket timeouts set on each send, and the whole send's deadline (`deadline`)."""
    asset = apprise.AppriseAsset(async_mode=False)
    if hasattr(asset, "_service_timeout"):
        asset._service_timeout = 0
    return asset


def send(url: str, message: Outgoing, timeout: float = 10.0) -> bool:
    """Send one message; True when it carried its attachment. Raises DeliveryError with Apprise's own reason."""
    sender = apprise.Apprise(asset=_asset())
    try:
        added = sender.add(url)
    except Exception as exc:  # a plugin that rejects its URL loudly
        raise DeliveryError(f"bad notification URL {mask(url)}: {mask(str(exc))}", permanent=True) from None
    if not added or len(sender) != 1:
        raise DeliveryError(f"bad notification URL {mask(url)}", permanent=True)
    server = sender[0]
    server.socket_connect_timeout = timeout
    server.socket_read_timeout = timeout
    headers = getattr(server, "headers", None)
    if isinstance(headers, dict):  # webhooks, JSON targets and email carry the key as a header
        headers[KEY_HEADER] = message.key
        if message.possible_repeat:
            headers[REPEAT_HEADER] = "1"
    attach = None
    attached = bool(message.attachment is not None and getattr(server, "attachment_support", False))
    if attached:
        try:  # Markdown sent as text/plain: every mime table knows it
            attach = apprise.AppriseAttachment(AttachMemory(content=message.attachment,
                                                            name=message.attachment_name, mimetype="text/plain"))
        except Exception:  # a file Apprise will not take: the page goes without it and says so
            attach, attached = None, False
    body = with_package_line(message.body, message.line_attached if attached else message.line_not_attached)
    reasons: list[str] = []
    lines_token = _LINES.set(reasons)
    id_token = _MESSAGE_ID.set(message_id(message.key))
    try:
        with deadline.bounded(timeout) as watch:
            try:
                ok = bool(sender.notify(body=body, title=message.subject,
                                        body_format=apprise.NotifyFormat.TEXT, attach=attach))
            except Exception:
                if not watch.expired:
                    raise
                ok = False
    finally:
        _LINES.reset(lines_token)
        _MESSAGE_ID.reset(id_token)
    if not ok and watch.expired:
        raise DeliveryError(f"no complete answer within {timeout:g} s (TRIAGEDESK_SEND_TIMEOUT_SECONDS): "
                            "cut short, to be tried again")
    if not ok:
        text = next((line.strip() for line in reversed(reasons) if line.strip()), "the service refused the message")
        raise DeliveryError(mask(text)[:400])
    return attached

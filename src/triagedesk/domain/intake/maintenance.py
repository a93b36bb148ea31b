"""Maintenance windows: which window covers an alert, which are active or coming, a new window's checks, and what
its subscribers are told when it starts and when it ends."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from triagedesk.domain.errors import InputError
from triagedesk.domain.intake.matchers import Matcher, all_match, parse_matcher
from triagedesk.domain.intake.records import MaintenanceWindow
from triagedesk.domain.models import CONTACT_URL, EMAIL

MAX_DAYS = 31
"""The longest window: a forgotten one must not silence a service for good."""


def covering(windows: Iterable[MaintenanceWindow], labels: dict[str, str], at: datetime) -> MaintenanceWindow | None:
    """The active window whose matchers all hold for these labels (the oldest, should several)."""
    found = [w for w in windows if w.active(at) and all_match(_parsed(w), labels)]
    return min(found, key=lambda w: w.number) if found else None


def _parsed(window: MaintenanceWindow) -> tuple[Matcher, ...]:
    return _compiled(tuple(window.matchers))


@lru_cache(maxsize=512)
def _compiled(texts: tuple[str, ...]) -> tuple[Matcher, ...]:
    return tuple(parse_matcher(m) for m in texts)


def active(windows: Iterable[MaintenanceWindow], at: datetime) -> list[MaintenanceWindow]:
    return sorted((w for w in windows if w.active(at)), key=lambda w: (w.until, w.number))


def upcoming(windows: Iterable[MaintenanceWindow], at: datetime) -> list[MaintenanceWindow]:
    return sorted((w for w in windows if w.starts_at > at and w.ended_at is None),
                  key=lambda w: (w.starts_at, w.number))


def why(window: MaintenanceWindow) -> str:
    return f"in maintenance window {window.id} until {window.until:%Y-%m-%d %H:%M} UTC: {window.reason}"


def next_id(existing: Iterable[str]) -> str:
    numbers = [int(key[2:]) for key in existing if key.startswith("W-") and key[2:].isdigit()]
    return f"W-{max(numbers, default=0) + 1}"


def new_window(key: str, matchers: Sequence[str], starts_at: datetime, ends_at: datetime, reason: str,
               subscribers: Sequence[str], created_by: str, now: datetime) -> MaintenanceWindow:
    """A window as a user schedules it; a mistake is one line naming the option."""
    parsed = []
    for text in matchers:
        try:
            parsed.append(parse_matcher(text))
        except ValueError as exc:
            raise InputError(f"--match: {exc}") from None
    if not matchers:
        raise InputError("--match: a window needs at least one LABEL=VALUE (it would silence every alert)")
    if all(m.matches({}) for m in parsed):  # Alertmanager refuses such a silence the same way
        raise InputError(f"--match: {', '.join(map(repr, matchers))} also match an alert without those labels "
                         "(it would silence every alert); at least one matcher must not match the empty string")
    if ends_at <= starts_at:
        raise InputError("--end: the end must come after the start")
    if ends_at <= now:
        raise InputError(f"--end: {ends_at:%Y-%m-%d %H:%M} UTC has passed already")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise InputError(f"--end: a window lasts at most {MAX_DAYS} days")
    if not reason.strip():
        raise InputError("--reason: say why (it is shown on every alert the window suppresses)")
    for target in subscribers:
        if not (CONTACT_URL.fullmatch(target) or EMAIL.fullmatch(target)):
            raise InputError(f"--notify: {target!r} is neither a URL (scheme://...) nor an email address")
    return MaintenanceWindow(id=key, matchers=list(matchers), starts_at=starts_at, ends_at=ends_at,
                             reason=" ".join(reason.split())[:500], created_by=created_by, created_at=now,
                             subscribers=list(subscribers))


@dataclass(frozen=True)
class WindowNotice:
    """What a window's subscribers are told."""

    event: str
    """`maintenance:W-12:start` or `...:end`: the message's identity (one per window and moment)."""
    subject: str
    body: str


def notice(window: MaintenanceWindow, moment: str) -> WindowNotice:
    """The start or end notice of a window (`moment`: "start" or "end")."""
    scope = ", ".join(window.matchers)
    if moment == "start":
        subject = f"Maintenance {window.id} started: {scope}"
        lead = f"Maintenance window {window.id} started at {window.starts_at:%Y-%m-%d %H:%M} UTC and runs until " \
               f"{window.until:%Y-%m-%d %H:%M} UTC."
        then = "Alerts matching it are recorded on the desk and page nobody until it ends."
    else:
        subject = f"Maintenance {window.id} ended: {scope}"
        early = " (ended early)" if window.ended_at is not None and window.ended_at < window.ends_at else ""
        lead = f"Maintenance window {window.id} ended at {window.until:%Y-%m-%d %H:%M} UTC{early}."
        then = "Alerts matching it page again; those still firing go on as if they had just arrived."
    body = "\n".join([lead, f"Matches: {scope}", f"Reason: {window.reason}",
                      f"Scheduled by: {window.created_by or '-'}", "", then])
    return WindowNotice(f"maintenance:{window.id}:{moment}", subject, body)


def due_notices(windows: Iterable[MaintenanceWindow], now: datetime) -> list[tuple[MaintenanceWindow, str]]:
    """Every (window, moment) whose time has come by `now`: the start of each window that has started, the end of
    each that has ended. The caller sends each once (its message id comes from the event)."""
    out: list[tuple[MaintenanceWindow, str]] = []
    for window in sorted(windows, key=lambda w: w.number):
        if window.ended_at is not None and window.ended_at <= window.starts_at:
            continue  # called off before it began: nothing to tell
        if window.starts_at <= now:
            out.append((window, "start"))
        if window.until <= now:
            out.append((window, "end"))
    return out

"""Durations as people say them: "45 min", "4 h", "4 h 30 min", "7 days", "1 day 4 h"."""

from __future__ import annotations


def spoken(minutes: float) -> str:
    """A duration in the largest units that say it exactly enough (rounded to the minute)."""
    total = int(round(abs(minutes)))
    sign = "-" if minutes < 0 and total else ""
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        text = f"{days} day{'s' if days != 1 else ''}"
        return sign + (f"{text} {hours} h" if hours else text)
    if hours:
        return sign + (f"{hours} h {mins} min" if mins else f"{hours} h")
    return f"{sign}{mins} min"


def clock(seconds: float) -> str:
    """The one timer format: HH:MM:SS, with whole days in front once there is one ("2d 03:00:00")."""
    sign = "-" if seconds < 0 else ""
    total = int(abs(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    mins, secs = divmod(rest, 60)
    head = f"{days}d " if days else ""
    return f"{sign}{head}{hours:02d}:{mins:02d}:{secs:02d}"

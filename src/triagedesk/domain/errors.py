"""Errors a user can cause, each carrying one line that names the file, place and field."""

from __future__ import annotations

from collections.abc import Sequence


class UserError(Exception):
    """A mistake in what the user gave us: shown as one line, exit code 2, never a traceback."""

    exit_code = 2


class Unavailable(UserError):
    """Something that refused for now (a lock another process holds): the same call may well succeed soon."""


class InputError(UserError):
    """Bad input data: malformed JSON, a wrong type, an unknown field."""


class ProfileError(UserError):
    """A profile that cannot be found or does not validate."""


def format_loc(loc: Sequence[str | int]) -> str:
    """A pydantic error location as a path: `research.overall_confidence`, `affected_systems[2]`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out

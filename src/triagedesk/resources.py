"""Where shipped data lives (profiles, themes, seed networks) and how a profile is found by name."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from platformdirs import user_config_dir

from triagedesk.domain.errors import ProfileError
from triagedesk.domain.scoring.profiles import Profile, load_profile_file

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    """A top-level folder of the project: inside the wheel, or beside `src/` in a checkout."""
    inside = _PACKAGE / "_shipped" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent.parent / name


def data_dir() -> Path:
    return _shipped("data")


def themes_dir() -> Path:
    return _shipped("themes")


def config_dir() -> Path:
    """The user's config folder; `TRIAGEDESK_CONFIG_DIR` moves it."""
    return Path(os.environ.get("TRIAGEDESK_CONFIG_DIR") or user_config_dir("triagedesk"))


def profile_dirs() -> list[Path]:
    """Where profiles are looked up by name: the user's own first, then the shipped ones."""
    return [config_dir() / "profiles", data_dir() / "profiles"]


def available_profiles() -> dict[str, Path]:
    """Every profile name that `--profile NAME` accepts, with its file."""
    found: dict[str, Path] = {}
    for folder in reversed(profile_dirs()):
        if folder.is_dir():
            for path in sorted(folder.glob("*.toml")):
                found[path.stem] = path
    return dict(sorted(found.items()))


@lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int) -> Profile:
    return load_profile_file(path)


def load_profile(name_or_path: str) -> Profile:
    """A profile by name (`infrastructure`) or by path to a TOML file."""
    looks_like_path = name_or_path.endswith(".toml") or os.sep in name_or_path or "/" in name_or_path
    if looks_like_path:
        path = Path(name_or_path).expanduser()
        if not path.is_file():
            raise ProfileError(f"{name_or_path}: no such profile file")
    else:
        profiles = available_profiles()
        if name_or_path not in profiles:
            known = ", ".join(profiles) or "none"
            raise ProfileError(f"unknown profile {name_or_path!r} (known: {known})")
        path = profiles[name_or_path]
    path = path.resolve()
    return _load_cached(path, path.stat().st_mtime_ns)

"""Shared fixtures: the shipped profiles and expert networks, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from triagedesk.domain.inputs import parse_models
from triagedesk.domain.models import Expert
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.resources import data_dir, load_profile

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the developer's own config, themes or default store."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("TRIAGEDESK_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("TRIAGEDESK_DB", str(home / "data" / "desk.json"))
    monkeypatch.delenv("TRIAGEDESK_THEME", raising=False)
    monkeypatch.delenv("TRIAGEDESK_CONFIG", raising=False)


@pytest.fixture(scope="session")
def infra() -> Profile:
    return load_profile("infrastructure")


@pytest.fixture(scope="session")
def appraisal() -> Profile:
    return load_profile("appraisal")


@pytest.fixture(scope="session")
def infra_scorer(infra: Profile) -> Scorer:
    return Scorer(infra)


@pytest.fixture(scope="session")
def appraisal_scorer(appraisal: Profile) -> Scorer:
    return Scorer(appraisal)


def _network(name: str) -> list[Expert]:
    path = data_dir() / "experts" / f"{name}.jsonl"
    return parse_models(path.read_text("utf-8"), str(path), Expert)


@pytest.fixture(scope="session")
def infra_experts() -> list[Expert]:
    return _network("infrastructure")


@pytest.fixture(scope="session")
def appraisal_experts() -> list[Expert]:
    return _network("appraisal")


def run_cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m triagedesk ARGS` in a subprocess, as a user would."""
    full_env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "triagedesk", *args],
        input=stdin, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout,
    )

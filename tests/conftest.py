"""Shared fixtures: isolated user folders, the shipped profiles and expert networks."""

from __future__ import annotations

import pytest

from triagedesk.domain.inputs import parse_models
from triagedesk.domain.models import Expert
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.resources import data_dir, load_profile


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


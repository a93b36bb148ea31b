"""Profiles as data: both seeds ship, a user's own file loads, a bad one names file and key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import tomlkit

from triagedesk.domain.errors import ProfileError
from triagedesk.domain.models import Issue
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import available_profiles, data_dir, load_profile

INFRA = data_dir() / "profiles" / "infrastructure.toml"


def test_shipped_profiles() -> None:
    assert {"infrastructure", "appraisal"} <= set(available_profiles())
    infra = load_profile("infrastructure")
    assert infra.escalate_above == 0.7
    assert infra.triggers["security_incident"].keywords == [
        "breach", "intrusion", "malware", "unauthorized", "compromised"]
    weights = {k: p.weight for k, p in infra.facts["business_impact"].items()}
    assert weights == {"users_affected": 0.3, "systems_affected": 0.2, "revenue_impact": 0.2,
                       "compliance_risk": 0.15, "data_sensitivity": 0.15}
    assert set(infra.expert_categories) == {"network_architecture", "security_engineering",
                                           "cloud_architecture", "virtualization", "automation_engineering"}
    appraisal = load_profile("appraisal")
    assert appraisal.high_risk_categories == ["watches", "jewelry", "silver", "art", "ceramics"]


def _write(tmp_path: Path, mutate) -> Path:
    data = tomllib.loads(INFRA.read_text("utf-8"))
    mutate(data)
    out = tmp_path / "custom.toml"
    out.write_text(tomlkit.dumps(data), "utf-8")
    return out


def test_a_users_own_profile_by_path(tmp_path: Path) -> None:
    def lower_threshold(data: dict) -> None:
        data["name"] = "custom"
        data["escalate_above"] = 0.02

    path = _write(tmp_path, lower_threshold)
    profile = load_profile(str(path))
    assert profile.name == "custom" and profile.escalate_above == 0.02
    decision = Scorer(profile).decide(Issue(title="hello", research={"overall_confidence": 0.9}))
    assert "score_above_threshold" in decision.triggers


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["score"]["complexity"].update(weight="heavy"),
         r"score.complexity.weight: Input should be a valid number"),
        (lambda d: d["score"]["complexity"].update(fact="nope"), r"score.complexity.fact: unknown fact 'nope'"),
        (lambda d: d["rules"][0].update(urgency="soon"), r"rules\[0\].urgency: Input should be"),
        (lambda d: d["rules"][1].update(reason="{nope:.0%}"), r"rules.1.reason: unknown fact 'nope'"),
        (lambda d: d["urgencies"].pop("low"), r"urgencies: missing low"),
        (lambda d: d.update(surprise=1), r"surprise: Extra inputs are not permitted"),
        (lambda d: d["rules"][0]["when"][0].update(op="between"), r"rules\[0\].when\[0\].op"),
    ],
)
def test_bad_profile_names_file_and_key(tmp_path: Path, mutate, message: str) -> None:
    path = _write(tmp_path, mutate)
    with pytest.raises(ProfileError, match=rf"^{path}: .*{message}"):
        load_profile(str(path))


def test_profile_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="unknown profile 'nope'"):
        load_profile("nope")
    with pytest.raises(ProfileError, match="no such profile file"):
        load_profile(str(tmp_path / "missing.toml"))
    broken = tmp_path / "broken.toml"
    broken.write_text("name = \n", "utf-8")
    with pytest.raises(ProfileError, match=r"broken.toml: invalid TOML"):
        load_profile(str(broken))

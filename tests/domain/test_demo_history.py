"""The demo history reads like real work: an expert acknowledges before starting, never after now, and each
domain's sessions are held on its own channels with its own participants."""

from __future__ import annotations

from triagedesk.demo.data import DEMO_NOW, generate
from triagedesk.domain.inputs import parse_models
from triagedesk.domain.models import Expert
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import data_dir, load_profile


def _demo():
    experts: list[Expert] = []
    for name in ("infrastructure", "appraisal"):
        source = data_dir() / "experts" / f"{name}.jsonl"
        experts.extend(parse_models(source.read_text("utf-8"), str(source), Expert))
    scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}
    return generate(400, 7, DEMO_NOW, scorers, experts), scorers


def test_acknowledged_before_started_and_never_after_now() -> None:
    data, _ = _demo()
    acked = [r for r in data.requests if r.acknowledged_at is not None]
    assert acked
    for request in acked:
        assert request.assigned_at is not None and request.assigned_at <= request.acknowledged_at <= DEMO_NOW
        if request.started_at is not None:
            assert request.acknowledged_at <= request.started_at, request.id


def test_sessions_use_their_domains_channels_and_participants() -> None:
    data, scorers = _demo()
    profile_of = {i.id: i.profile for i in data.issues}
    by_profile = {name: [s for s in data.sessions if profile_of.get(s.issue_id) == name] for name in scorers}
    for name, found in by_profile.items():
        assert found, name
        policy = scorers[name].profile.session
        assert all(s.channel in policy.channels and s.participants == policy.participants for s in found), name
    assert all("infrastructure_agent" not in s.participants and s.channel != "video_conference"
               for s in by_profile["appraisal"])

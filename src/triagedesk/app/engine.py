"""The engine: profiles and their compiled scorers, cached (no store, no clock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from triagedesk.domain.models import Decision, Issue
from triagedesk.domain.requests.states import opening_status
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.domain.scoring.profiles import Profile
from triagedesk.resources import available_profiles, load_profile

if TYPE_CHECKING:
    from triagedesk.domain.scoring.backtest import Backtest


class Engine:
    """One compiled scorer per profile (`--profile` overrides every issue's own)."""

    def __init__(self, profile_override: str | None = None) -> None:
        self.profile_override = profile_override
        self._scorers: dict[str, Scorer] = {}
        self._profiles: dict[str, Profile] = {}

    def _key(self, name: str | None) -> str:
        return self.profile_override or name or self.default_profile

    def scorer(self, name: str | None) -> Scorer:
        key = self._key(name)
        if key not in self._scorers:
            self._scorers[key] = Scorer(self.profile(name))
        return self._scorers[key]

    def profile(self, name: str | None) -> Profile:
        """The profile an issue's `name` is scored with: its scorer's, without compiling the scorer (the queue's
        load from cached assessments needs only the profile: compiling two scorers' keyword patterns was ~5%)."""
        key = self._key(name)
        if key in self._scorers:
            return self._scorers[key].profile
        if key not in self._profiles:
            self._profiles[key] = load_profile(key)
        return self._profiles[key]

    def profiles(self) -> list[str]:
        """Every profile name the desk knows: the shipped ones and the user's own."""
        return list(available_profiles())

    @property
    def default_profile(self) -> str:
        """The profile of an issue that names none."""
        return self.profile_override or "infrastructure"

    def decide(self, issue: Issue) -> Decision:
        return self.scorer(issue.profile).decide(issue)

    def opening_status_of(self, profile: str | None) -> str:
        """The state a new request of this profile usually starts in (cheap: no decision is computed)."""
        found = self.profile(profile)
        return opening_status(found.payment, "tier" if found.tiers else None)

    def opens_as(self, issue: Issue) -> str:
        """The state a new request for this issue would start in (pending payment where the profile charges)."""
        scorer = self.scorer(issue.profile)
        tier = scorer.decide(issue).recommended_tier
        return opening_status(scorer.profile.payment, tier if tier in scorer.profile.tiers else None)

    def profile_families(self) -> dict[str, str]:
        """Each profile's matching family: "weighted" (seed 000's fields) or "points" (seed 002's)."""
        return {name: self.profile(name).matching.model for name in self.profiles()}

    def backtest(self, source: str, issues: list[Any], requests: list[Any], corrections: list[Any], now: Any,
                 days: int) -> Backtest:
        """A changed profile (a name or a TOML path) replayed over a stored history."""
        from triagedesk.domain.scoring import backtest  # only `backtest` replays: not imported by every reader

        candidate = Scorer(load_profile(source))
        return backtest.backtest(issues, requests, corrections, self.scorer(candidate.profile.name), candidate, now,
                                 days)

"""Profiles: one domain's triggers, weights, thresholds, tiers and messages, as validated data."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from triagedesk.domain.errors import ProfileError, format_loc
from triagedesk.domain.intake.rules import DEFAULT_SEVERITIES, Intake  # noqa: F401 - `[intake]`, re-exported
from triagedesk.domain.models import URGENCIES, Tier, Urgency
from triagedesk.domain.scoring.profile_checks import check_parts, check_template, known_source

Op = Literal["eq", "ne", "gt", "ge", "lt", "le", "in", "true", "false"]

BASE_FACTS: frozenset[str] = frozenset(
    {
        # seed 000
        "users_affected", "users_affected_ratio", "systems_affected", "revenue_impact",
        "compliance_risk", "data_sensitivity", "researched", "research_confidence",
        "research_duration_minutes", "failed_attempts", "vendor_escalation", "known_bugs",
        "error_messages", "symptoms", "attempted_solutions", "vendors_mentioned",
        # seed 002
        "mid_value", "value_min", "value_max", "price_spread", "confidence",
        "authentication_risk", "category", "high_risk_category", "expert_referral",
        # intake: the urgency the source gave (an alert's severity through `[intake.severity]`), or ""
        "source_urgency",
    }
)
"""Facts the engine reads off every issue; profiles add derived facts on top."""


class ProfileModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Part(ProfileModel):
    """One weighted part of a score: the fact it reads and how it is normalised to [0, 1].

    Numbers are divided by `cap` and clipped at 1; strings are looked up in `map`
    (unknown values count 0, as in seed 000); booleans count 0 or 1; `invert`
    takes 1 - value (low research confidence pushes towards escalation);
    `offset` is subtracted before dividing (a 1x price spread is no spread).
    A missing fact counts `default`.
    """

    fact: str
    weight: float = Field(ge=0.0)
    cap: float | None = Field(None, gt=0.0)
    offset: float = 0.0
    map: dict[str, float] | None = None
    invert: bool = False
    default: float = 0.0


class Condition(ProfileModel):
    """One test of a rule: a fact compared with a value, or any of a list of keywords in the text."""

    fact: str | None = None
    op: Op = "true"
    value: Any = None
    keywords: list[str] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Condition:
        if (self.fact is None) == (self.keywords is None):
            raise ValueError("a condition has either `fact` or `keywords`")
        if self.keywords is not None and not self.keywords:
            raise ValueError("`keywords` is empty")
        if self.fact is not None and self.op not in ("true", "false") and self.value is None:
            raise ValueError(f"op {self.op!r} needs a `value`")
        return self


class Rule(ProfileModel):
    """An escalation trigger: when its conditions hold, the issue escalates at `urgency`."""

    id: str
    urgency: Urgency
    reason: str
    match: Literal["all", "any"] = "all"
    when: list[Condition] = Field(min_length=1)
    tier: str | None = None
    expert_type: str | None = None
    expert_level: str | None = None


class CriticalTrigger(ProfileModel):
    """Seed 000's critical escalation criteria: keywords that escalate at once."""

    keywords: list[str] = Field(min_length=1)
    business_impact: str
    escalation_time: str
    expert_level: str
    expert_type: str | None = None


class UrgencyPolicy(ProfileModel):
    """What an urgency means in this domain: its response window, effort and message."""

    label: str
    response_minutes: int | None = Field(None, ge=0)
    expert_minutes: int = Field(60, gt=0)
    message: str


class ExpertCategory(ProfileModel):
    """A kind of expert (seed 000's network categories, seed 002's specialities)."""

    keywords: list[str] = Field(default_factory=list)
    specializations: dict[str, list[str]] = Field(default_factory=dict)
    certifications: list[str] = Field(default_factory=list)


class WeightedMatching(ProfileModel):
    """Seed 000's expert selection: weights of the five factors and their normalisation."""

    specialization: float = 0.4
    experience: float = 0.2
    availability: float = 0.2
    past_performance: float = 0.1
    workload: float = 0.1
    workload_cap: int = Field(5, gt=0)
    expertise_levels: dict[str, float] = Field(
        default_factory=lambda: {"junior": 0.3, "mid": 0.5, "senior": 0.8, "expert": 1.0}
    )
    reviews_cap: int = Field(100, gt=0)
    after_hours_presence: dict[str, float] = Field(
        default_factory=lambda: {
            "24x7": 1.0, "on_call_rotation": 0.6, "emergency_only": 0.2, "none": 0.0
        }
    )
    neutral_rating: float = Field(2.5, ge=0.0, le=5.0)


class PointsMatching(ProfileModel):
    """Seed 002's expert matching points."""

    specialization: float = 40
    rating_multiplier: float = 8
    rating_cap: float = 40
    reviews_100: float = 15
    reviews_50: float = 10
    turnaround: float = 5
    turnaround_share: float = Field(0.75, gt=0.0)


class Matching(ProfileModel):
    model: Literal["weighted", "points"]
    weighted: WeightedMatching = Field(default_factory=WeightedMatching)
    points: PointsMatching = Field(default_factory=PointsMatching)
    business_day_start: int = Field(9, ge=0, le=23)
    business_day_end: int = Field(17, ge=1, le=24)


class SessionPolicy(ProfileModel):
    """How this domain's expert sessions are held: the channels that fit it (first: the default) and who takes part."""

    channels: list[str] = Field(default_factory=lambda: ["video_conference", "slack", "phone"], min_length=1)
    participants: list[str] = Field(default_factory=lambda: ["expert", "requesting_engineer", "infrastructure_agent"],
                                    min_length=1)


class CorrectableField(ProfileModel):
    """A part of the automated assessment an expert may correct, and where its assessed value is read."""

    label: str
    source: str | None = None
    """An issue field (`category`, `research.primary_hypothesis`) or a decision's (`decision.urgency`); without
    one, the expert types the original value."""


class CorrectionPolicy(ProfileModel):
    """Seed 002's feedback loop for this domain: what experts correct, and when a field is a training gap."""

    fields: dict[str, CorrectableField] = Field(default_factory=dict)
    gap_share: float = Field(0.10, gt=0.0, le=1.0)
    """A field corrected in at least this share of the profile's completed requests is a training gap."""


Strategy = Literal["best_match", "least_loaded", "round_robin"]


class AutoAssign(ProfileModel):
    """Which requests the dispatcher assigns without a coordinator, and how it picks the expert."""

    urgencies: list[Urgency] = Field(default_factory=list)
    on_payment: bool = False
    strategy: Strategy = "best_match"
    top_n: int = Field(3, ge=1, le=50)


class AckTimeout(ProfileModel):
    """An assignment not acknowledged in time moves on: next candidate, then the senior, then a coordinator."""

    enabled: bool = True
    minutes: int | None = Field(None, gt=0)
    max_reassignments: int = Field(2, ge=0, le=9)
    then_senior: bool = True
    then_flag_coordinator: bool = True


class BreachPolicy(ProfileModel):
    """What a clock near or past its due time does on its own."""

    notify_at_risk: bool = True
    senior_on_breach: bool = True
    refund_exposure: bool = True


class Policy(ProfileModel):
    """The dispatcher's escalation policy for one profile (`[policy]`); empty means nothing happens on its own."""

    auto_assign: AutoAssign = Field(default_factory=AutoAssign)
    ack_timeout: AckTimeout = Field(default_factory=AckTimeout)
    breach: BreachPolicy = Field(default_factory=BreachPolicy)
    follow_up: bool = False
    """Once a request completes with an outcome, seed 000's follow-up goes to the coordinators."""
    claims: bool = False
    """Experts may take an unassigned request of their specialisation themselves (seed 002: "expert accepted")."""


class Profile(ProfileModel):
    """A domain profile, loaded from `data/profiles/NAME.toml` or a user's own file."""

    name: str
    title: str
    description: str = ""
    payment: bool = False
    id_prefix: str = Field("", pattern=r"^[A-Z][A-Z0-9]{0,7}$|^$")
    """New issues' ids: `INC-000301`; blank: the name's first three letters, upper case."""
    currency: str = "USD"
    expert_hourly_rate: float = Field(150.0, ge=0.0)
    escalate_above: float | None = Field(None, ge=0.0, le=1.0)
    score_escalation_urgency: Urgency = "medium"
    impact_fact: str | None = None
    user_population: int = Field(1000, gt=0)
    default_compliance_risk: str = "low"
    default_data_classification: str = "internal"
    default_tier: str | None = None
    default_expert_type: str | None = None
    expert_type_from: Literal["keywords", "category"] = "keywords"
    high_risk_categories: list[str] = Field(default_factory=list)
    vendors: list[str] = Field(default_factory=list)
    escalation_times: dict[str, Urgency] = Field(default_factory=dict)
    facts: dict[str, dict[str, Part]] = Field(default_factory=dict)
    score: dict[str, Part] = Field(min_length=1)
    triggers: dict[str, CriticalTrigger] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    urgencies: dict[Urgency, UrgencyPolicy]
    tiers: dict[str, Tier] = Field(default_factory=dict)
    expert_categories: dict[str, ExpertCategory] = Field(default_factory=dict)
    matching: Matching
    session: SessionPolicy = Field(default_factory=SessionPolicy)
    policy: Policy = Field(default_factory=Policy)
    corrections: CorrectionPolicy = Field(default_factory=CorrectionPolicy)
    intake: Intake = Field(default_factory=Intake)

    @model_validator(mode="before")
    @classmethod
    def _tier_ids(cls, data: Any) -> Any:
        """A tier's id is its table key (`[tiers.quick-review]`)."""
        if isinstance(data, dict) and isinstance(data.get("tiers"), dict):
            data = {**data, "tiers": {key: {"id": key, **value} if isinstance(value, dict) else value
                                      for key, value in data["tiers"].items()}}
        return data

    @model_validator(mode="after")
    def _references(self) -> Profile:
        missing = [u for u in URGENCIES if u not in self.urgencies]
        if missing:
            raise ValueError(f"urgencies: missing {', '.join(missing)}")
        known = set(BASE_FACTS)
        for name, parts in self.facts.items():
            check_parts(parts, known, f"facts.{name}")
            known.add(name)
        check_parts(self.score, known, "score")
        if self.impact_fact is not None and self.impact_fact not in known:
            raise ValueError(f"impact_fact: unknown fact {self.impact_fact!r}")
        for index, rule in enumerate(self.rules):
            where = f"rules.{index}"
            for c_index, cond in enumerate(rule.when):
                if cond.fact is not None and cond.fact not in known:
                    raise ValueError(f"{where}.when.{c_index}.fact: unknown fact {cond.fact!r}")
            if rule.tier is not None and rule.tier not in self.tiers:
                raise ValueError(f"{where}.tier: unknown tier {rule.tier!r}")
            check_template(rule.reason, known, f"{where}.reason")
        for name, trigger in self.triggers.items():
            if trigger.escalation_time not in self.escalation_times:
                raise ValueError(
                    f"triggers.{name}.escalation_time: {trigger.escalation_time!r} "
                    "is not in escalation_times"
                )
        if self.default_tier is not None and self.default_tier not in self.tiers:
            raise ValueError(f"default_tier: unknown tier {self.default_tier!r}")
        for name, correctable in self.corrections.fields.items():
            if correctable.source is not None and not known_source(correctable.source):
                raise ValueError(f"corrections.fields.{name}.source: unknown field {correctable.source!r}")
        return self

    def tier(self, tier_id: str) -> Tier:
        return self.tiers[tier_id]

    def all_tiers(self) -> list[Tier]:
        return list(self.tiers.values())

    def trigger_rules(self) -> list[Rule]:
        """Seed 000's critical triggers as rules, ahead of the profile's own rules."""
        return [
            Rule(
                id=name,
                urgency=self.escalation_times[t.escalation_time],
                reason=f"Critical trigger {name}: {{matched_keywords}} ({t.business_impact} business impact)",
                when=[Condition(keywords=t.keywords)],
                expert_type=t.expert_type,
                expert_level=t.expert_level,
            )
            for name, t in self.triggers.items()
        ]


def parse_profile(data: dict[str, Any], source: str) -> Profile:
    """A validated profile from parsed TOML; errors name the source and the key."""
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = format_loc(err["loc"])
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        where = f"{loc}: " if loc else ""
        raise ProfileError(f"{source}: {where}{msg}") from None


def load_profile_file(path: Path) -> Profile:
    """Read and validate one profile file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: invalid TOML: {exc}") from None
    return parse_profile(data, str(path))

"""The domain's pydantic models: issues, experts, tiers, decisions and candidates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from triagedesk.domain.intake.issue_group import AlertGroup
from triagedesk.domain.routing.wallclock import zone

Urgency = Literal["critical", "high", "medium", "low"]
URGENCIES: tuple[Urgency, ...] = ("critical", "high", "medium", "low")
"""Urgencies from the most to the least pressing."""
URGENCY_RANK: dict[str, int] = {u: i for i, u in enumerate(URGENCIES)}

ComplianceRisk = Literal["low", "medium", "high"]
DataClassification = Literal["public", "internal", "confidential", "restricted"]
AuthenticationRisk = Literal["none", "low", "medium", "high", "very_high"]
ExpertiseLevel = Literal["junior", "mid", "senior", "expert"]
Feedback = Literal["useful", "noise"]

PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
"""How data names a profile: a name, never a path (paths come only from the command line)."""


def profile_name(value: str | None) -> str | None:
    """A profile field as data may hold it: empty, or a bare profile name."""
    if value and not PROFILE_NAME.fullmatch(value):
        raise ValueError("a profile is named (letters, digits, - and _), never a path")
    return value


EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+")
"""An address a person can be mailed at: local part, @, a dotted domain (no spaces, no angle brackets or lists)."""
CONTACT_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
"""A notification target as Apprise takes it: scheme://..., no whitespace."""
ISSUE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
"""What an issue id is, at intake, import and sync alike: letters, digits, `-`, `_`, `.`, `:` (starting with a
letter or digit, at most 128): no whitespace, no `/`, nothing a shell, a path or a queue row would misread."""


def issue_id(value: str | None) -> str | None:
    """An issue id as data may give it (None: the store numbers it)."""
    if value is not None and not ISSUE_ID.fullmatch(value):
        raise ValueError("an issue id is letters, digits, '-', '_', '.' and ':' (no spaces or '/'), "
                         "starting with a letter or digit, at most 128")
    return value


_SLA_RE = re.compile(r"^(\d+)_(minute|minutes|hour|hours|day|days)$")
_SLA_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


class DomainModel(BaseModel):
    """Base of every input model: snake_case or camelCase names, unknown fields rejected."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=False,
        allow_inf_nan=False,  # inf and NaN are stored by orjson as null: refused wherever a record comes from
        defer_build=True,
    )


def as_utc(value: datetime | None) -> datetime | None:
    """A timezone-aware UTC datetime; naive values are taken to be UTC already."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def sla_minutes(text: str) -> int:
    """Minutes in a response SLA written the seed's way (`30_minutes`, `1_hour`)."""
    match = _SLA_RE.match(text)
    if not match:
        raise ValueError(f"response SLA {text!r} is not like '30_minutes' or '1_hour'")
    count, unit = int(match.group(1)), match.group(2).rstrip("s")
    return count * _SLA_UNIT_MINUTES[unit]


class Research(DomainModel):
    """Seed 000's automated research results attached to an issue."""

    overall_confidence: float = Field(0.0, ge=0.0, le=1.0)
    research_duration_minutes: float = Field(0.0, ge=0.0)
    failed_remediation_attempts: int = Field(0, ge=0)
    vendor_escalation_recommended: bool = False
    known_bugs: list[str] = Field(default_factory=list)
    primary_hypothesis: str | None = None
    hypotheses: list[str] = Field(default_factory=list)
    vendor_research: str | None = None
    community_research: str | None = None
    config_analysis: str | None = None
    best_practices: list[str] = Field(default_factory=list)


class EstimatedValue(DomainModel):
    """Seed 002's value range of an item, in cents."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> EstimatedValue:
        if self.max < self.min:
            raise ValueError("max is below min")
        return self


class Issue(DomainModel):
    """A problem that automation could not settle, with both seeds' context fields."""

    id: str | None = None
    title: str = ""
    description: str = ""
    profile: str | None = None
    created_at: datetime | None = None
    tier: str | None = None
    restricted: bool = False
    # seed 000: infrastructure context
    users_affected: int = Field(0, ge=0)
    total_users: int | None = Field(None, gt=0)
    affected_systems: list[str] = Field(default_factory=list)
    estimated_revenue_impact: float = Field(0.0, ge=0.0)
    compliance_risk_level: ComplianceRisk | None = None
    data_classification: DataClassification | None = None
    symptoms: list[str] = Field(default_factory=list)
    error_messages: list[str] = Field(default_factory=list)
    attempted_solutions: list[str] = Field(default_factory=list)
    stakeholders: list[str] = Field(default_factory=list)
    constraints: list[str] = Field(default_factory=list)
    success_criteria: list[str] = Field(default_factory=list)
    research: Research | None = None
    # seed 002: appraisal context
    category: str | None = None
    estimated_value: EstimatedValue | None = None
    confidence: float | None = Field(None, ge=0.0, le=1.0)
    authentication_risk: AuthenticationRisk | None = None
    expert_referral_recommended: bool = False
    # intake: alerts with the same key fold into one open issue
    dedup_key: str | None = Field(None, max_length=200)
    count: int = Field(1, ge=1)
    last_seen: datetime | None = None
    severity: Urgency | None = None
    """The urgency the issue's source gave it (an alert's severity through its profile's `[intake.severity]`);
    the profile's rules read it as the fact `source_urgency`."""
    alert_group: AlertGroup | None = None
    """An issue made of alerts: its group, label sets, counts, and why it paged or did not (intake rules)."""
    feedback: Feedback | None = None
    """Was paging a human for it worth it: marked `useful` or `noise` (the desk's key, `triagedesk feedback`)."""

    _utc = field_validator("created_at", "last_seen")(as_utc)
    _profile = field_validator("profile")(profile_name)
    _id = field_validator("id")(issue_id)


class Availability(DomainModel):
    """Seed 000's availability of an expert: calendar, after-hours cover and response SLA."""

    business_hours: Literal["8x5", "24x7"] = "24x7"
    after_hours: Literal["on_call_rotation", "emergency_only", "24x7", "none"] = "24x7"
    response_sla: str = "1_hour"

    @field_validator("response_sla")
    @classmethod
    def _sla(cls, value: str) -> str:
        sla_minutes(value)
        return value

    @property
    def response_sla_minutes(self) -> int:
        return sla_minutes(self.response_sla)


class Expert(DomainModel):
    """An expert: seed 002's profile plus seed 000's network fields, each optional for the other."""

    id: str = Field(min_length=1)
    name: str = ""
    email: str = ""
    specializations: list[str] = Field(default_factory=list)
    certifications: list[str] = Field(default_factory=list)
    rating: float | None = Field(None, ge=0.0, le=5.0)
    completed_reviews: int = Field(0, ge=0)
    average_turnaround: float | None = Field(None, ge=0.0)
    is_active: bool = True
    joined_at: datetime | None = None
    availability: Availability = Field(default_factory=Availability)
    escalation_methods: list[str] = Field(default_factory=list)
    expertise_level: ExpertiseLevel = "senior"
    timezone: str = "UTC"
    team: str = ""
    """The team whose business-hours and holiday calendars apply (`triagedesk calendar import --team`)."""
    current_workload: int = Field(0, ge=0)
    contacts: dict[str, str] = Field(default_factory=dict)
    """Seed 000's escalation_methods names (email, slack, phone...) -> Apprise URLs; an email may be a bare address."""

    _utc = field_validator("joined_at")(as_utc)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not EMAIL.fullmatch(value):
            raise ValueError(f"{value!r} is not an email address")
        return value

    @field_validator("contacts")
    @classmethod
    def _contacts(cls, value: dict[str, str]) -> dict[str, str]:
        """Each contact is a notification URL (scheme://...) or a bare email address, one line."""
        for method, target in value.items():
            if target and not (CONTACT_URL.fullmatch(target) or EMAIL.fullmatch(target)):
                raise ValueError(f"{method}: {target!r} is neither a URL (scheme://...) nor an email address")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zone(value)  # cached: ZoneInfo's own cache keeps 8 zones, and a team spread over more read files each time
        except ValueError as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value


class Tier(DomainModel):
    """A paid service tier (seed 002): price in dollars and a guaranteed turnaround."""

    id: str
    name: str
    price: float = Field(ge=0.0)
    turnaround_hours: float = Field(gt=0.0)
    includes: list[str] = Field(default_factory=list)
    best_for: str = ""
    expert_minutes: int = Field(60, gt=0)


class OutputModel(BaseModel):
    """Base of computed results: plain snake_case, immutable."""

    model_config = ConfigDict(frozen=True, defer_build=True)


class Factor(OutputModel):
    """One weighted factor of a score: its normalised value, weight and contribution."""

    value: float
    weight: float
    contribution: float


class Decision(OutputModel):
    """The escalation decision for one issue, the same shape for every profile."""

    issue_id: str | None
    profile: str
    should_escalate: bool
    urgency: Urgency
    score: float = Field(ge=0.0, le=1.0)
    business_impact: float | None
    factors: dict[str, Factor]
    triggers: list[str]
    reasons: list[str]
    recommended_tier: str | None
    recommended_expert_type: str | None
    expert_level: str | None
    response_due_minutes: int | None
    estimated_expert_minutes: int | None
    message: str


CandidateRole = Literal["primary", "alternative", "ranked", "next_available", "senior_fallback"]


class Candidate(OutputModel):
    """One ranked expert for an issue: match score 0-100 with its reasons and breakdown."""

    expert_id: str
    expert_name: str
    role: CandidateRole = "ranked"
    match_score: float = Field(ge=0.0, le=100.0)
    reasons: list[str]
    factors: dict[str, Factor]
    available_now: bool
    next_available_at: datetime | None
    current_workload: int
    estimated_turnaround_hours: float | None
    response_sla_minutes: int
    expertise_level: str


class Match(OutputModel):
    """The result of matching: the top pick, two alternatives, and a fallback when nobody is free."""

    primary: Candidate | None
    alternatives: list[Candidate]
    ranked: list[Candidate]
    next_available: Candidate | None = None
    senior_fallback: Candidate | None = None
    note: str = ""

    def shortlist(self, limit: int = 3) -> list[Candidate]:
        """Who the desk offers: the pick and alternatives; when nobody fits or is free, who frees up first and
        the senior fallback (each with its role), never an expert without a matching specialisation as a pick."""
        if self.primary is None:
            return [c for c in (self.next_available, self.senior_fallback) if c is not None][:limit]
        return [self.primary, *self.alternatives][:limit]


"""Input models: camelCase and snake_case alike, unknown fields rejected with their path."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from triagedesk.domain.errors import InputError
from triagedesk.domain.inputs import parse_models
from triagedesk.domain.models import Expert, Issue


def test_seed_002_expert_loads_as_it_is() -> None:
    expert = Expert.model_validate({
        "id": "expert-456", "name": "H", "email": "h@example.com", "specializations": ["silver"],
        "certifications": [], "rating": 4.5, "completedReviews": 120, "averageTurnaround": 30,
        "isActive": True, "joinedAt": "2024-01-01T00:00:00",
    })
    assert expert.completed_reviews == 120 and expert.average_turnaround == 30
    assert expert.joined_at is not None and expert.joined_at.utcoffset().total_seconds() == 0
    # seed 000 fields take their documented defaults
    assert expert.availability.business_hours == "24x7"
    assert expert.availability.response_sla_minutes == 60
    assert expert.expertise_level == "senior" and expert.timezone == "UTC"


def test_camel_and_snake_case_issue() -> None:
    camel = Issue.model_validate({"estimatedValue": {"min": 1, "max": 2}, "expertReferralRecommended": True})
    snake = Issue.model_validate({"estimated_value": {"min": 1, "max": 2}, "expert_referral_recommended": True})
    assert camel == snake


def test_unknown_field_names_its_path() -> None:
    with pytest.raises(InputError, match=r"^f.json: \[1\]: research.overal_confidence: unknown field$"):
        parse_models('[{}, {"research": {"overal_confidence": 0.3}}]', "f.json", Issue)
    with pytest.raises(InputError, match="user_affected: unknown field"):
        parse_models('{"user_affected": 3}', "f.json", Issue)


def test_jsonl_errors_name_the_line() -> None:
    with pytest.raises(InputError, match=r"^f.jsonl:3: users_affected: Input should be greater"):
        parse_models('{"id": "a"}\n\n{"users_affected": -1}\n', "f.jsonl", Issue)
    with pytest.raises(InputError, match=r"^f.jsonl:2:\d+: invalid JSON"):
        parse_models('{"id": "a"}\n{"id": \n', "f.jsonl", Issue)


def test_jsonl_is_detected_without_the_extension() -> None:
    issues = parse_models('{"id": "a"}\n{"id": "b"}\n', "issues.txt", Issue)
    assert [i.id for i in issues] == ["a", "b"]


def test_more_bad_records_are_counted() -> None:
    with pytest.raises(InputError, match=r"\(and 1 more bad records\)$"):
        parse_models('[{"x": 1}, {"y": 2}]', "f.json", Issue)


@pytest.mark.parametrize("text", ["", "   \n", "[1, 2]", '"text"'])
def test_not_objects(text: str) -> None:
    with pytest.raises(InputError):
        parse_models(text, "f.json", Issue)


def test_value_range_and_sla_are_checked() -> None:
    with pytest.raises(ValidationError, match="max is below min"):
        Issue(estimated_value={"min": 5, "max": 1})
    with pytest.raises(ValidationError, match="not like '30_minutes'"):
        Expert(id="x", availability={"response_sla": "soon"})
    with pytest.raises(ValidationError, match="unknown timezone"):
        Expert(id="x", timezone="Mars/Olympus")


def test_experts_in_more_zones_than_zoneinfo_keeps_read_no_zone_file_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """ZoneInfo's own cache keeps 8 zones strongly: loading experts in 11 zones in turn re-read the zone files on
    every load (a stat and a read each, in the desk's detail worker for every key; issue #24)."""
    import zoneinfo

    from triagedesk.domain.routing import wallclock

    zones = ["UTC", "Europe/Paris", "Europe/Madrid", "Europe/Lisbon", "Europe/Stockholm", "Asia/Tokyo", "Asia/Dubai",
             "Asia/Kolkata", "America/Chicago", "America/New_York", "Australia/Sydney", "Africa/Lagos"]
    for name in zones:
        Expert(id="warm", timezone=name)
    made: list[str] = []
    real = zoneinfo.ZoneInfo

    class Counted(real):  # type: ignore[misc, valid-type]
        def __new__(cls, key: str) -> zoneinfo.ZoneInfo:
            made.append(key)
            return real(key)

    from triagedesk.domain import models

    monkeypatch.setattr(wallclock, "ZoneInfo", Counted)
    monkeypatch.setattr(models, "ZoneInfo", Counted, raising=False)  # wherever a zone would be made
    for _ in range(3):
        for name in zones:
            assert Expert(id="x", timezone=name).timezone == name
    assert made == []

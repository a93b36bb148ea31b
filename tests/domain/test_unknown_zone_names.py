"""A time zone name that is no zone is a clear validation error whatever the zone database makes of it: a folder
of the database (`America`) or a name too long for a file name made ZoneInfo raise OSError, which passed the
models' validators as a traceback (an expert synced with one broke every detail whose candidates loaded it)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from triagedesk.domain.models import Expert
from triagedesk.domain.routing.wallclock import zone

NOT_ZONES = ["America", "Europe", "Etc", "a" * 300, "Europe/" + "b" * 300, "", "../zoneinfo", "UTC\x00"]


@pytest.mark.parametrize("name", NOT_ZONES)
def test_a_name_that_is_no_zone_is_a_value_error_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone") as raised:
        zone(name)
    assert repr(name) in str(raised.value)


@pytest.mark.parametrize("name", NOT_ZONES)
def test_an_expert_with_no_zone_is_a_validation_error_on_timezone(name: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Expert.model_validate({"id": "e1", "name": "E", "timezone": name})
    assert [e["loc"] for e in raised.value.errors()] == [("timezone",)]


def test_a_real_zone_still_loads() -> None:
    assert zone("America/New_York").key == "America/New_York"
    assert Expert.model_validate({"id": "e1", "name": "E", "timezone": "Europe/Paris"}).timezone == "Europe/Paris"

"""The storm's profile (the shipped infrastructure profile with the storm's noise rules) and posting an
Alertmanager notification to a dispatching store as the intake would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tomlkit

from tests.support.storm import STORM_RULES
from triagedesk.app.dispatching import Dispatching
from triagedesk.domain.intake.alertmanager import read_alert
from triagedesk.domain.intake.flow import Taken
from triagedesk.resources import data_dir


def storm_profile(folder: Path, rules: str = STORM_RULES) -> Path:
    """The shipped infrastructure profile with the storm's noise rules in place of its own."""
    shipped = tomlkit.parse((data_dir() / "profiles" / "infrastructure.toml").read_text("utf-8"))
    intake = shipped["intake"]
    for name in ("grouping", "thresholds", "pause", "flapping"):
        intake.pop(name, None)  # type: ignore[union-attr]
    for name, value in tomlkit.parse(rules).get("intake", {}).items():  # type: ignore[union-attr]
        intake[name] = value  # type: ignore[index]
    path = folder / "infrastructure.toml"
    path.write_text(tomlkit.dumps(shipped), "utf-8")
    return path


def post(d: Dispatching, payload: dict[str, Any], at: Any) -> list[Taken]:
    intake = d.desk.engine.profile("infrastructure").intake
    read = [read_alert(a, f"alerts[{n}]", intake, at) for n, a in enumerate(payload["alerts"])]
    return d.take_alerts(read, at)

"""The audit's actor is a person: config `actor`, else the expert's own id, else the login name; never a role."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.pilot import make_app


@pytest.mark.parametrize("role", ["coordinator", "lead"])
def test_the_login_name_not_the_role(store_copy: Path, monkeypatch: pytest.MonkeyPatch, role: str) -> None:
    monkeypatch.setenv("LOGNAME", "ana")
    monkeypatch.setenv("USER", "ana")
    assert make_app(store_copy, role=role).actor == "ana"


def test_no_login_name_is_still_not_a_role(store_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.delenv(name, raising=False)
    import getpass

    monkeypatch.setattr(getpass, "getuser", lambda: (_ for _ in ()).throw(OSError("no user")))
    actor = make_app(store_copy).actor
    assert actor and actor not in {"coordinator", "expert", "lead", "cli"}


def test_the_configured_actor(store_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[desk]\nactor = "Ana Ferreira"\n', "utf-8")
    monkeypatch.setenv("TRIAGEDESK_CONFIG", str(config))
    assert make_app(store_copy).actor == "Ana Ferreira"
    assert make_app(store_copy, role="expert", expert_id="net-ola").actor == "Ana Ferreira"


def test_the_expert_desk_acts_as_its_expert(store_copy: Path) -> None:
    assert make_app(store_copy, role="expert", expert_id="net-ola").actor == "net-ola"

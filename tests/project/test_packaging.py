"""A non-editable install ships the profiles and data: build the wheel and load from it."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    [built] = out.glob("triagedesk-*.whl")
    return built


def test_wheel_carries_profiles(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "triagedesk/_shipped/data/profiles/infrastructure.toml" in names
    assert "triagedesk/_shipped/data/profiles/appraisal.toml" in names
    assert "triagedesk/_shipped/data/experts/appraisal.jsonl" in names
    assert any(n.startswith("triagedesk/_shipped/themes/") for n in names)


def test_installed_wheel_finds_its_profiles(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = (
        "import triagedesk, triagedesk.resources as r\n"
        "print(triagedesk.__file__)\n"
        "print(r.data_dir())\n"
        "print(r.load_profile('appraisal').name)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            cwd=tmp_path, check=True)
    module, data, name = result.stdout.split()
    assert module.startswith(str(target))
    assert data == str(target / "triagedesk" / "_shipped" / "data")
    assert name == "appraisal"

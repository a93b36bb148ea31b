"""The domain stays pure: importing it loads no Textual, TinyDB or httpx (checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("textual", "tinydb", "httpx", "rich", "click", "platformdirs", "filelock", "plotext")


def test_domain_imports_no_frameworks() -> None:
    code = (
        "import sys, pkgutil, importlib\n"
        "import triagedesk.domain as d\n"
        "for m in pkgutil.walk_packages(d.__path__, 'triagedesk.domain.'):\n"
        "    importlib.import_module(m.name)\n"
        f"bad = sorted({{n.split('.')[0] for n in sys.modules}} & set({FORBIDDEN!r}))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"domain imported {result.stdout.strip()}"


def test_the_check_can_fail() -> None:
    code = "import sys, triagedesk.resources; print('platformdirs' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "True"

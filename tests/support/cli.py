"""The CLI as a user runs it, in a subprocess (`python -m triagedesk`): the completed process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run `python -m triagedesk ARGS` in a subprocess, as a user would."""
    full_env = {**os.environ, "COLUMNS": "160", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "triagedesk", *args],
        input=stdin, capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout,
    )

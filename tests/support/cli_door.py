"""The CLI as a person runs it, in this process (`triagedesk.cli.main`): exit code, stdout and stderr."""

from __future__ import annotations

import pytest

from triagedesk.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out, err

"""Small files: no source module over 400 lines, each opening with its docstring (the house style, issue #21)."""

from __future__ import annotations

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2] / "src" / "triagedesk"
LIMIT = 400


def _too_long(paths: list[Path], limit: int = LIMIT) -> list[str]:
    return [f"{p.relative_to(p.parents[2])}: {n} lines" for p in paths
            if (n := len(p.read_text("utf-8").splitlines())) > limit]


def test_no_source_file_is_over_400_lines() -> None:
    modules = sorted(SOURCE.rglob("*.py"))
    assert len(modules) > 100
    assert _too_long(modules) == []


def test_every_module_opens_with_its_docstring() -> None:
    modules = sorted(SOURCE.rglob("*.py"))
    lacking = [str(m.relative_to(SOURCE)) for m in modules
               if m.read_text("utf-8").strip() and ast.get_docstring(ast.parse(m.read_text("utf-8"))) is None]
    assert lacking == []


def test_the_size_check_names_a_long_file(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    (folder / "long.py").write_text("x = 1\n" * 401)
    (folder / "short.py").write_text("x = 1\n" * 400)
    assert _too_long(sorted(folder.glob("*.py"))) == ["a/b/long.py: 401 lines"]

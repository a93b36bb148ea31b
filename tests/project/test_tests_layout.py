"""Tests share helpers only through tests/support: no module under tests/, bench/ or tools/ imports a test module, a
conftest, or a helper module of another test directory, and a conftest defines only fixtures and hooks (every file
parsed, every import form, file:line named)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("tests", "bench", "tools")


def python_files(root: Path) -> list[Path]:
    return sorted(p for top in SCANNED for p in (root / top).rglob("*.py") if "__pycache__" not in p.parts)


def _module_of(path: Path, root: Path) -> tuple[str, bool]:
    """The dotted name of a file and whether it is a package (`__init__.py`)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    """Every dotted name an import statement may load: the module it names, and each imported name under it."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    target = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        base = package[: len(package) - (node.level - 1)] if node.level - 1 <= len(package) else []
        target = ".".join([*base, *([node.module] if node.module else [])])
    if target:
        yield target
    yield from (f"{target}.{alias.name}" if target else alias.name for alias in node.names)


def _test_module(dotted: str) -> str | None:
    """The test module or conftest a dotted name lies in (`tests.x.test_y.helper` -> `tests.x.test_y`), if any."""
    parts = dotted.split(".")
    for n, part in enumerate(parts):
        if part == "conftest" or part.startswith("test_"):
            return ".".join(parts[: n + 1])
    return None


def _foreign_helper(dotted: str, importer: Path, root: Path) -> str | None:
    """A helper module of another test directory than the importer's (tests/support is everyone's)."""
    parts = dotted.split(".")
    if parts[0] != "tests" or len(parts) < 2 or parts[1] == "support":
        return None
    file = root.joinpath(*parts).with_suffix(".py")
    if file.is_file() and file.parent != importer.parent:
        return dotted
    return None


def _is_fixture(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        called = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (isinstance(called, ast.Attribute) and called.attr == "fixture") or \
                (isinstance(called, ast.Name) and called.id == "fixture"):
            return True
    return False


def _shared_from_conftest(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """What a conftest defines for others than pytest: a public name that is neither a fixture nor a hook."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if not (_is_fixture(node) or node.name.startswith(("_", "pytest_"))):
                yield node.lineno, node.name
        elif isinstance(node, ast.ClassDef):
            if not node.name.startswith("_"):
                yield node.lineno, node.name
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name) and not name.id.startswith("_") and name.id != "pytest_plugins":
                        yield node.lineno, name.id


def problems_in(path: Path, root: Path) -> list[str]:
    module, is_package = _module_of(path, root)
    tree = ast.parse(path.read_text("utf-8"), str(path))
    found: list[str] = []
    if path.name == "conftest.py":
        found.extend(f"{path.relative_to(root).as_posix()}:{line}: conftest defines {name}, not a fixture: "
                     "move it to tests/support" for line, name in _shared_from_conftest(tree))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        where = f"{path.relative_to(root).as_posix()}:{node.lineno}"
        for dotted in _imported(node, module, is_package):
            test_module = _test_module(dotted)
            helper = _foreign_helper(dotted, path, root)
            if test_module is not None:
                kind = "a conftest" if test_module.endswith("conftest") else "a test module"
                message = f"{where}: imports from {test_module} ({kind}): move what it shares to tests/support"
            elif helper is not None:
                message = f"{where}: imports {helper} from another test directory: move it to tests/support"
            else:
                continue
            if message not in found:
                found.append(message)
    return found


def problems(root: Path) -> list[str]:
    return [message for path in python_files(root) for message in problems_in(path, root)]


def test_no_module_imports_a_test_module_a_conftest_or_another_directorys_helper() -> None:
    scanned = python_files(ROOT)
    assert len(scanned) > 200, len(scanned)
    assert {ROOT / "tests" / "conftest.py", ROOT / "bench" / "noise_figures.py", ROOT / "tools" / "pouchdb.py"} \
        <= set(scanned)
    found = problems(ROOT)
    assert found == [], "\n".join(found)


def _tree(root: Path) -> None:
    """A small project: a dispatch test directory with its conftest, a test module and a local helper module."""
    for folder in ("tests", "tests/dispatch", "tests/cli", "tests/support", "bench"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "__init__.py").write_text('"""A package."""\n')
    for name in ("test_noise_storm", "receivers"):
        (root / "tests" / "dispatch" / f"{name}.py").write_text("TOKEN = 1\n")
    (root / "tests" / "dispatch" / "conftest.py").write_text('"""Fixtures."""\n')
    (root / "tests" / "support" / "dispatch.py").write_text("TOKEN = 1\n")


@pytest.mark.parametrize(("importer", "source", "line", "reason"), [
    ("tests/cli/test_probe.py", "from tests.dispatch.test_noise_storm import storm_profile\n", 1,
     "imports from tests.dispatch.test_noise_storm (a test module)"),
    ("tests/cli/test_probe.py", "import os\nimport tests.dispatch.conftest\n", 2,
     "imports from tests.dispatch.conftest (a conftest)"),
    ("tests/cli/test_probe.py", "import tests.dispatch.conftest as shared\n", 1,
     "imports from tests.dispatch.conftest (a conftest)"),
    ("tests/cli/test_probe.py", "from tests.dispatch import conftest\n", 1,
     "imports from tests.dispatch.conftest (a conftest)"),
    ("tests/cli/test_probe.py", "def helper():\n    from tests.dispatch.conftest import TOKEN\n", 2,
     "imports from tests.dispatch.conftest (a conftest)"),
    ("tests/dispatch/test_probe.py", "from .conftest import TOKEN\n", 1,
     "imports from tests.dispatch.conftest (a conftest)"),
    ("tests/dispatch/test_probe.py", "from . import test_noise_storm\n", 1,
     "imports from tests.dispatch.test_noise_storm (a test module)"),
    ("tests/cli/test_probe.py", "from ..dispatch.test_noise_storm import post\n", 1,
     "imports from tests.dispatch.test_noise_storm (a test module)"),
    ("tests/cli/test_probe.py", "import conftest\n", 1, "imports from conftest (a conftest)"),
    ("bench/probe.py", "from tests.dispatch.test_noise_storm import storm_profile\n", 1,
     "imports from tests.dispatch.test_noise_storm (a test module)"),
    ("tests/cli/test_probe.py", "from tests.dispatch.receivers import Hook\n", 1,
     "imports tests.dispatch.receivers from another test directory"),
    ("tests/cli/test_probe.py", "from ..dispatch import receivers\n", 1,
     "imports tests.dispatch.receivers from another test directory"),
    ("bench/probe.py", "from tests.dispatch.receivers import Hook\n", 1,
     "imports tests.dispatch.receivers from another test directory"),
], ids=["absolute", "import", "import-as", "from-package", "in-a-function", "relative-conftest", "relative-module",
        "parent-relative", "bare-conftest", "from-bench", "foreign-helper", "foreign-helper-relative",
        "foreign-helper-from-bench"])
def test_the_check_names_file_and_line_of_each_form_of_the_import(tmp_path: Path, importer: str, source: str,
                                                                 line: int, reason: str) -> None:
    _tree(tmp_path)
    (tmp_path / importer).write_text(source)
    found = problems(tmp_path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{importer}:{line}: {reason}"), found


@pytest.mark.parametrize(("importer", "source"), [
    ("tests/cli/test_probe.py", "from tests.support.dispatch import TOKEN\nimport pytest\n"),
    ("tests/dispatch/test_probe.py", "from tests.dispatch.receivers import TOKEN\n"),
    ("tests/dispatch/test_probe.py", "from .receivers import TOKEN\nfrom . import receivers\n"),
    ("tests/dispatch/conftest.py", "from tests.support.dispatch import TOKEN\n"),
    ("bench/probe.py", "from tests.support import dispatch\n"),
], ids=["support", "own-directory-helper", "own-directory-relative", "conftest-from-support", "bench-from-support"])
def test_what_tests_may_import_passes(tmp_path: Path, importer: str, source: str) -> None:
    _tree(tmp_path)
    (tmp_path / importer).write_text(source)
    assert problems(tmp_path) == []


@pytest.mark.parametrize(("source", "line", "name"), [
    ("import pytest\n\n\ndef run_cli():\n    pass\n", 4, "run_cli"),
    ('TOKEN = "s3cret"\n', 1, "TOKEN"),
    ("CORA: str = 'cora'\n", 1, "CORA"),
    ("class Inbox:\n    pass\n", 1, "Inbox"),
    ("async def start_intake():\n    pass\n", 1, "start_intake"),
], ids=["function", "constant", "annotated-constant", "class", "async-function"])
def test_a_conftest_defining_a_helper_is_named_with_its_line(tmp_path: Path, source: str, line: int,
                                                              name: str) -> None:
    _tree(tmp_path)
    (tmp_path / "tests" / "dispatch" / "conftest.py").write_text(source)
    assert problems(tmp_path) == [f"tests/dispatch/conftest.py:{line}: conftest defines {name}, not a fixture: "
                                  "move it to tests/support"]


def test_a_conftest_of_fixtures_hooks_and_private_helpers_passes(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "tests" / "dispatch" / "conftest.py").write_text(
        "import pytest\nfrom pytest import fixture\n\npytest_plugins = []\n_CACHE = {}\n\n\n"
        "def _network():\n    return []\n\n\n@pytest.fixture\ndef smtp():\n    return 1\n\n\n"
        "@pytest.fixture(scope='session')\nasync def couch():\n    return 2\n\n\n@fixture\ndef inbox():\n"
        "    return 3\n\n\ndef pytest_collection_modifyitems(items):\n    pass\n")
    assert problems(tmp_path) == []

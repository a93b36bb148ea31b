"""A side file is named by the code that shaped it: the digest follows a module's source, so a book, search file
or index written by other code is built again rather than read."""

from __future__ import annotations

import sys
from pathlib import Path

from triagedesk.store.code_digest import code_digest


def _package(root: Path, body: str) -> None:
    (root / "probe_pkg").mkdir(exist_ok=True)
    (root / "probe_pkg" / "__init__.py").write_text("")
    (root / "probe_pkg" / "rule.py").write_text(body)


def test_the_digest_follows_the_source_of_a_module_and_of_every_module_of_a_package(tmp_path: Path) -> None:
    sys.path.insert(0, str(tmp_path))
    try:
        _package(tmp_path, "LIMIT = 1\n")
        first = (code_digest.__wrapped__("probe_pkg"), code_digest.__wrapped__("probe_pkg.rule"))
        assert first == (code_digest.__wrapped__("probe_pkg"), code_digest.__wrapped__("probe_pkg.rule"))
        _package(tmp_path, "LIMIT = 2\n")
        second = (code_digest.__wrapped__("probe_pkg"), code_digest.__wrapped__("probe_pkg.rule"))
        assert first[0] != second[0] and first[1] != second[1]
        assert code_digest.__wrapped__("no_such_module_here") != code_digest.__wrapped__("nor_this_one")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("probe_pkg", None)
        sys.modules.pop("probe_pkg.rule", None)


def test_the_report_book_and_the_search_file_are_named_by_their_code() -> None:
    from triagedesk.app import report_days, search_index

    assert report_days.FORMAT.endswith("/" + code_digest(
        "triagedesk.domain.insight", "triagedesk.app.report_days", "triagedesk.app.report_days_changes",
        "triagedesk.app.report_days_file", "triagedesk.app.report_columns", "triagedesk.store.columns"))
    assert len(search_index.SHAPED_BY) == 12


def test_the_assessments_and_the_queue_file_are_named_by_their_code() -> None:
    from triagedesk.app import assessments, queue_file

    assert assessments.ENGINE.endswith("/" + code_digest("triagedesk.domain.scoring", "triagedesk.domain.models",
                                                         "triagedesk.app.assessments", "triagedesk.display"))
    assert queue_file.ENGINE.startswith(assessments.ENGINE + "/queue-1/")

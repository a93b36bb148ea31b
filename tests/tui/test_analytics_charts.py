"""One denominator per profile for the correction rate (chart and text), every bar labelled, every expert named."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from triagedesk.domain.insight.analytics import report
from triagedesk.domain.records import Correction, ExpertRequest
from triagedesk.resources import load_profile
from triagedesk.tui.widgets.analytics_view import bar_labels, top_with_others

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def test_the_chart_and_the_text_share_the_correction_denominator() -> None:
    s = NOW - timedelta(days=3)
    requests = [ExpertRequest(id=f"r{n}", analysis_id=f"i{n}", profile="appraisal" if n < 4 else "infrastructure",
                              status="completed", submitted_at=s, assigned_at=s, completed_at=s + timedelta(hours=2))
                for n in range(10)]
    corrections = [Correction(request_id=f"r{n}", expert_id="ann", field="maker", corrected_value="Storr",
                              created_at=s, profile="appraisal") for n in range(3)]
    corrections.append(Correction(request_id="r0", expert_id="ann", field="category[/]", corrected_value="x",
                                  created_at=s, profile="appraisal"))  # not a correctable field: not counted
    profiles = {name: load_profile(name) for name in ("appraisal", "infrastructure")}
    data = report(requests, [], corrections, [], profiles, NOW, 30)
    assert data["correction_rate_base"] == {"appraisal": 4, "infrastructure": 6}
    assert data["correction_rates"] == {"appraisal": {"maker": 0.75}}
    gap = next(o for o in data["opportunities"] if o.startswith("Training gap"))
    # the reproduction: divided by every completed request (infrastructure too), maker read 30%
    assert "75% of the 4 completed appraisal requests" in gap


def test_others_keep_every_expert_counted() -> None:
    rows = [(f"e{n}", float(n)) for n in range(12)]
    shown = top_with_others(rows, 5, "sum", True)
    assert [n for n, _ in shown[:5]] == ["e11", "e10", "e9", "e8", "e7"]
    assert shown[-1] == ("others (7)", float(sum(range(7))))
    assert top_with_others(rows, 11, "sum", True) == sorted(rows, key=lambda kv: -kv[1])  # 12 fit: no "others"
    low_first = top_with_others([("a", 3.0), ("b", 1.0), ("c", 2.0)], 1, "mean", False)
    assert low_first == [("b", 1.0), ("others (2)", 2.5)]


def test_bar_labels_name_and_value_each_bar_at_one_width() -> None:
    labels = bar_labels(["Ines Castro", "A very long expert name indeed", "Bo"], [24, 3.5, 100], " h")
    assert len({len(label) for label in labels}) == 1
    assert labels[0].startswith("Ines Castro") and labels[0].endswith("24 h")
    assert "…" in labels[1] and re.search(r"3\.5 h$", labels[1])

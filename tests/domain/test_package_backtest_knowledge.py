"""Package rendering, the rule backtest on a known history, knowledge search and sessions."""

from __future__ import annotations

from datetime import timedelta

from tests.support.clock import T0
from triagedesk.domain.insight.knowledge import search
from triagedesk.domain.insight.package import PackageContext, build, literal
from triagedesk.domain.models import Expert, Issue
from triagedesk.domain.records import Correction, ExpertRequest, KnowledgeEntry
from triagedesk.domain.requests import sessions
from triagedesk.domain.scoring.backtest import backtest
from triagedesk.domain.scoring.escalation import Scorer


def test_package_has_every_section_and_literal_text(infra_scorer: Scorer) -> None:
    issue = Issue(id="INC-7", title="Outage on *core* [switch]", description="Core switch down \x1b[31m",
                  users_affected=300, affected_systems=["core-1"], symptoms=["packet loss"],
                  research={"overall_confidence": 0.3, "primary_hypothesis": "Bad optic",
                            "failed_remediation_attempts": 2},
                  constraints=["No reboot during trading hours"])
    expert = Expert(id="ana", name="Ana Ferreira", escalation_methods=["slack"])
    text = build(PackageContext(issue, infra_scorer.decide(issue), expert=expert, generated_at=T0))
    for section in ("Metadata", "Executive summary", "Technical summary", "Business impact", "Timeline",
                    "Research summary", "Current hypotheses", "Constraints", "Success criteria",
                    "Recommended approach", "Initial contact"):
        assert f"## {section}" in text
    assert "Outage on \\*core\\* \\[switch\\]" in text  # Markdown shown literally
    assert "\x1b" not in text and "\\x1b" in text
    assert "Subject: Critical Infrastructure Issue - Expert Consultation Requested" in text
    assert "Ana Ferreira," in text and "Available for slack at your earliest convenience." in text
    assert "- No reboot during trading hours" in text
    assert literal("a|b") == "a\\|b"


def test_backtest_on_a_known_history(infra) -> None:
    issues = [
        Issue(id="quiet", title="Question about logs", created_at=T0, research={"overall_confidence": 0.65}),
        Issue(id="loud", title="Site down", created_at=T0, research={"overall_confidence": 0.9}),
        Issue(id="old", title="Question", created_at=T0 - timedelta(days=90), research={"overall_confidence": 0.65}),
    ]
    stricter = infra.model_copy(update={"rules": [
        r.model_copy(update={"when": [r.when[0].model_copy(update={"value": 0.7})]})
        if r.id == "low_research_confidence" else r
        for r in infra.rules]})
    requests = [ExpertRequest(id="r1", analysis_id="loud", status="completed", submitted_at=T0)]
    corrections = [Correction(request_id="r1", expert_id="x", field="maker", created_at=T0)]
    result = backtest(issues, requests, corrections, Scorer(infra), Scorer(stricter), T0 + timedelta(days=1), 30)
    assert result.considered == 2  # "old" is outside the 30 days
    assert result.before["escalated"] == 1 and result.after["escalated"] == 2
    assert [(c.issue_id, c.note) for c in result.changes] == [("quiet", "newly escalated")]


def test_knowledge_search_ranks_rare_words() -> None:
    entries = [
        KnowledgeEntry(id="k1", issue_id="1", title="BGP flaps on edge routers", resolution="Matched hold timers",
                       created_at=T0),
        KnowledgeEntry(id="k2", issue_id="2", title="Database outage", resolution="Rolled back firmware",
                       created_at=T0),
        KnowledgeEntry(id="k3", issue_id="3", title="Database slow", resolution="Added an index", created_at=T0),
    ]
    hits = search(entries, "database outage after firmware upgrade")
    assert [h.entry.id for h in hits] == ["k2", "k3"]
    assert set(hits[0].matched) == {"database", "firmware", "outage"}
    assert search(entries, "the and of") == []


def test_session_elapsed_excludes_pauses() -> None:
    s = sessions.initiate("i1", "ann", T0, "r1", "slack")
    s = sessions.pause(s, T0 + timedelta(minutes=10))
    assert sessions.elapsed_seconds(s, T0 + timedelta(hours=5)) == 600
    s = sessions.resume(s, T0 + timedelta(minutes=40))
    s = sessions.end(s, T0 + timedelta(minutes=60))
    assert sessions.elapsed_seconds(s, T0 + timedelta(hours=5)) == 30 * 60
    outcome, entry = sessions.capture(s, Issue(id="i1", title="Database outage"), T0 + timedelta(minutes=60),
                                      True, ["Pin firmware"], ["Rolled back"], "Firmware 2.1 breaks replicas")
    assert outcome.time_to_resolution_minutes == 30.0 and entry.outcome_id == outcome.id
    assert "Firmware 2.1 breaks replicas" in entry.resolution

"""The Escalation pane's factor table keeps its figures whole at every width; a long label is cut instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.pilot import make_app, settle
from triagedesk.tui.screens.desk_screen import DeskScreen
from triagedesk.tui.widgets.escalation_pane import EscalationPane


@pytest.mark.parametrize("size", [(160, 48), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_each_factors_contribution_is_shown_whole(store_copy: Path, size: tuple[int, int]) -> None:
    app = make_app(store_copy)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        screen = app.screen_stack[-1]
        assert isinstance(screen, DeskScreen)
        for _ in range(80):  # an infrastructure issue: the longest factor labels
            if screen.detail is not None and screen.detail.issue.profile == "infrastructure":
                break
            await pilot.press("down")
            await settle(pilot)
        assert screen.detail is not None and screen.detail.issue.profile == "infrastructure"
        pane = screen.query_one(EscalationPane)
        assert pane.size.width > 10
        shown = pane.plain()  # the lines drawn, rendered at the pane's width
        assert all(len(line) <= pane.size.width for line in shown.splitlines())
        factors = screen.detail.decision.factors
        assert factors
        for factor in factors.values():
            assert f"{factor.contribution:.3f}" in shown
            if size[0] >= 160:
                assert f"{factor.value:.2f}×{factor.weight:.2f}" in shown

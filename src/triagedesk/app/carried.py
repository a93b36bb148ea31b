"""The side files a compaction of the Desk's store carries over (store/carry.py), each module loaded only when a
compaction runs: the report's day book (app/report_days_carry.py)."""

from __future__ import annotations

from collections.abc import Callable

from triagedesk.store.repositories import Store


def carry_over(store: Store) -> None:
    """Have the store's compactions carry its side files over (once per open store)."""
    carriers = store.journal.carriers
    if any(getattr(found, "side_file", None) == "report-days" for found in carriers):
        return
    carriers.append(_report_days(store))


def _report_days(store: Store) -> Callable[[], Callable[[], None] | None]:
    def prepared() -> Callable[[], None] | None:
        from triagedesk.app.report_days_carry import prepare
        from triagedesk.resources import available_profiles, load_profile

        return prepare(store, {name: load_profile(name) for name in available_profiles()})

    prepared.side_file = "report-days"  # type: ignore[attr-defined]
    return prepared


__all__ = ["carry_over"]

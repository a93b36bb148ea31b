"""The side files a compaction of the Desk's store carries over (store/carry.py), each module loaded only when a
compaction runs: the report's day book (app/report_days_carry.py) and the issue search's file
(app/search_carry.py) carried over, the places file and the knowledge index made anew (store/side_rebuilt.py)."""

from __future__ import annotations

from triagedesk.store.carry import Carrier, Finish
from triagedesk.store.repositories import Store

Prepared = Carrier


def carry_over(store: Store) -> None:
    """Have the store's compactions carry its side files over (once per open store)."""
    carriers = store.journal.carriers
    held = {getattr(found, "side_file", None) for found in carriers}
    for name, carrier in (("report-days", _report_days), ("search", _search), ("places", _places),
                          ("knowledge", _knowledge)):
        if name not in held:
            prepared = carrier(store)
            prepared.side_file = name  # type: ignore[attr-defined]
            carriers.append(prepared)


def _report_days(store: Store) -> Prepared:
    def prepared() -> Finish | None:
        from triagedesk.app.report_days_carry import prepare
        from triagedesk.resources import available_profiles, load_profile

        return prepare(store, {name: load_profile(name) for name in available_profiles()})

    return prepared


def _search(store: Store) -> Prepared:
    def prepared() -> Finish | None:
        from triagedesk.app.search_carry import prepare

        return prepare(store)

    return prepared


def _places(store: Store) -> Prepared:
    def prepared() -> Finish | None:
        from triagedesk.store.side_rebuilt import places_carrier

        return places_carrier(store.journal)()

    return prepared


def _knowledge(store: Store) -> Prepared:
    def prepared() -> Finish | None:
        from triagedesk.store.side_rebuilt import knowledge_carrier

        return knowledge_carrier(store.journal)()

    return prepared


__all__ = ["carry_over"]

"""A child process for the store tests: writes in a loop and prints each acknowledged write."""

from __future__ import annotations

import sys

from triagedesk.store.table import JournalDB, JournalStorage


def writer(path: str, label: str) -> None:
    db = JournalDB(path, storage=JournalStorage)
    table = db.table("numbers")
    n = 0
    while True:
        n += 1
        table.insert({"writer": label, "n": n, "pad": "x" * (n % 300)})
        if n % 7 == 0:
            table.update({"touched": n}, doc_ids=[1])
        print(n, flush=True)


def incrementer(path: str, times: int) -> None:
    db = JournalDB(path, storage=JournalStorage)
    table = db.table("counter")
    for _ in range(times):
        with db.journal.transaction():
            doc = table.get(doc_id=1)
            table.update({"value": doc["value"] + 1}, doc_ids=[1])
    print("done", flush=True)


def one_write(path: str, value: str) -> None:
    db = JournalDB(path, storage=JournalStorage)
    db.table("notes").insert({"text": value})
    print("written", flush=True)


def opener(path: str, label: str) -> None:
    """Open the store afresh, write once, close: in a loop (the stale-open race's victim)."""
    n = 0
    while True:
        n += 1
        db = JournalDB(path, storage=JournalStorage)
        db.table("numbers").insert({"writer": label, "n": n})
        db.close()
        print(n, flush=True)


if __name__ == "__main__":
    mode, path, arg = sys.argv[1:4]
    {"writer": writer, "incrementer": lambda p, a: incrementer(p, int(a)), "one": one_write,
     "opener": opener}[mode](path, arg)

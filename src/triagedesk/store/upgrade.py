"""The one-time upgrade of a snapshot of the older format (plain TinyDB JSON, its CRC-32 in `_meta`) to format 3.

This is the only reader of that format: opening a store finds a snapshot that does not start with format 3's
header, takes the lock, and rewrites it here once, atomically, with the same documents; every later read is of
format 3 (store/snapshot_file.py). A damaged or foreign file is refused as it was, and left as it is.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path

import orjson

from triagedesk.files import atomic_write, reason
from triagedesk.store.errors import StoreCorrupt, StoreError
from triagedesk.store.journal_format import APP, META, Damaged, Tables, is_doc_id
from triagedesk.store.snapshot_file import MAGIC, encode_snapshot

SNAPSHOT_PREFIX = b'{"_meta":{"1":{"crc":"'
_CRC_AT = len(SNAPSHOT_PREFIX)
REPAIR = "run `triagedesk db check` and `triagedesk db repair`"


def snapshot_crc_ok(raw: bytes) -> bool | None:
    """True/False when the snapshot carries a checksum, None for one written before checksums."""
    if not raw.startswith(SNAPSHOT_PREFIX):
        return None
    view = memoryview(raw)
    try:
        stored = int(bytes(view[_CRC_AT:_CRC_AT + 8]), 16)
    except ValueError:
        return False
    crc = zlib.crc32(view[_CRC_AT + 8:], zlib.crc32(b"00000000", zlib.crc32(view[:_CRC_AT])))
    return crc == stored


def decode_json_snapshot(raw: bytes) -> Tables:
    """The tables of a snapshot of the older format (plain TinyDB JSON, its CRC in `_meta`); raises `Damaged`
    when the file is damaged or not a triagedesk store."""
    if not raw:
        raise Damaged("empty file")
    crc_ok = snapshot_crc_ok(raw)
    if crc_ok is False:
        raise Damaged("snapshot checksum mismatch")
    try:  # the standard library's parser: an integer beyond 64 bits stays an integer (orjson makes it a float)
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise Damaged(f"not a triagedesk store (invalid JSON: {str(exc)[:80]})") from None
    meta = data.get(META, {}).get("1") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or meta.get("app") != APP:
        raise Damaged("not a triagedesk store (no triagedesk header)")
    if not all(isinstance(t, dict) and all(isinstance(d, dict) for d in t.values()) for t in data.values()):
        raise Damaged("not a triagedesk store (a table is not an object of documents)")
    if crc_ok is None and "journal_salt" in meta:
        raise Damaged("snapshot checksum missing")
    odd = next((key for name, docs in data.items() if name != META for key in docs if not is_doc_id(key)), None)
    if odd is not None:
        raise Damaged(f"a document id that is not a number the store can hold ({odd[:30]!r})")
    try:
        orjson.dumps(data)
    except TypeError as exc:
        raise Damaged(f"holds what the store cannot write again ({exc})") from None
    meta.pop("crc", None)
    return data


def upgrade_snapshot(path: Path) -> None:
    """Rewrite the snapshot at `path` as format 3 if it is of the older format (the caller holds the lock);
    a `StoreCorrupt` naming the damage when it is neither."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"{path}: cannot read: {reason(exc)}") from None
    if raw.startswith(MAGIC):
        return  # another process upgraded it while we waited for the lock
    try:
        tables = decode_json_snapshot(raw)
    except Damaged as exc:
        raise StoreCorrupt(f"{path}: {exc}; {REPAIR}") from None
    try:
        atomic_write(path, encode_snapshot(tables))
    except OSError as exc:
        raise StoreError(f"{path}: cannot rewrite the older snapshot format as format 3: {reason(exc)}") from None


__all__ = ["decode_json_snapshot", "snapshot_crc_ok", "upgrade_snapshot"]

"""The journal's on-disk format: its salted header and CRC-checked records, and what a snapshot says of its journal.

See docs/storage.md. Pure functions over bytes: no file is opened here.
"""

from __future__ import annotations

import secrets
import zlib
from dataclasses import dataclass, field
from typing import Any

import orjson

Op = tuple[str, str, "dict[str, Any] | None"]  # (table, doc_id, whole document or None = removed)
Tables = dict[str, dict[str, dict[str, Any]]]

META = "_meta"
SYNC_STATE = "_sync"
"""Sync's per-record state (the revision last in step): a quarantined record leaves it too."""
APP = "triagedesk"
PAGE = 4096
"""A write interrupted by a kill stops at a page boundary of the file (the kernel copies page by page)."""

JOURNAL_MAGIC = b"#triagedesk-journal v1 generation="
"""The header of a journal written before salted, checksummed headers (still read)."""
_JOURNAL_PREFIX = b"#triagedesk-journal v"


class Damaged(Exception):
    """What is wrong with a file, in a few words (`header checksum mismatch`)."""


# -- the journal header ------------------------------------------------------------------------
@dataclass(frozen=True)
class JournalHeader:
    """A journal's identity: its generation (ordered) and a random salt naming this very file."""

    generation: int
    salt: str  # "" for a journal written before salts (v1)

    def encode(self) -> bytes:
        text = b"#triagedesk-journal v2 generation=%d salt=%s" % (self.generation, self.salt.encode())
        return text + b" crc=%08x\n" % zlib.crc32(text)

    @staticmethod
    def new(generation: int) -> JournalHeader:
        return JournalHeader(generation, secrets.token_hex(4))


def decode_header(data: bytes) -> tuple[JournalHeader, int]:
    """The header of journal bytes and where its records start; raises `Damaged` when it is not intact."""
    newline = data.find(b"\n", 0, 200)
    if not data:
        raise Damaged("empty file (no journal header)")
    if newline < 0 or not data.startswith(_JOURNAL_PREFIX):
        raise Damaged("no journal header" if data[:1] != b"#" else "damaged journal header")
    line = data[:newline]
    try:
        if line.startswith(JOURNAL_MAGIC):
            return JournalHeader(int(line[len(JOURNAL_MAGIC):]), ""), newline + 1
        text, _, crc = line.rpartition(b" crc=")
        if not text.startswith(b"#triagedesk-journal v2 generation=") or int(crc, 16) != zlib.crc32(text):
            raise Damaged("journal header checksum mismatch")
        fields = dict(part.split(b"=", 1) for part in text.split(b" ")[2:])
        return JournalHeader(int(fields[b"generation"]), fields[b"salt"].decode("ascii")), newline + 1
    except (ValueError, KeyError, UnicodeDecodeError):
        raise Damaged("damaged journal header") from None


# -- records ------------------------------------------------------------------------------------
def encode_record(ops: list[Op]) -> bytes:
    body = orjson.dumps(ops)
    return b"%08x " % zlib.crc32(body) + body + b"\n"


def encode_record_spans(ops: list[Op]) -> tuple[bytes, list[tuple[int, int]]]:
    """`encode_record`'s line, byte for byte, and where each op's document lies in it: (offset, length), or
    (0, 0) for a removal (what a bulk load reads back from the journal instead of holding: `LazyDocs.spill`)."""
    parts: list[bytes] = []
    spans: list[tuple[int, int]] = []
    at = 10  # the CRC, a space and the list's "["
    for table, doc_id, doc in ops:
        head = b"[" + orjson.dumps(table) + b"," + orjson.dumps(doc_id) + b","
        data = orjson.dumps(doc)
        spans.append((at + len(head), len(data)) if doc is not None else (0, 0))
        parts.append(head + data + b"]")
        at += len(parts[-1]) + 1
    body = b"[" + b",".join(parts) + b"]"
    return b"%08x " % zlib.crc32(body) + body + b"\n", spans


def decode_record(line: bytes) -> list[Op] | None:
    """The ops of one journal line, or None when its checksum or JSON is bad."""
    if len(line) < 10 or line[8:9] != b" ":
        return None
    body = line[9:]
    try:
        if int(line[:8], 16) != zlib.crc32(body):
            return None
        ops = orjson.loads(body)
    except ValueError:
        return None
    if not isinstance(ops, list) or not all(_is_op(op) for op in ops):
        return None
    try:
        orjson.dumps(ops)  # what cannot be written again (nested deeper than orjson writes) is no record
    except TypeError:
        return None
    return ops


MAX_DOC_ID = 2**63 - 1


def is_doc_id(key: Any) -> bool:
    """A TinyDB doc_id as the store writes it: ASCII decimal digits, no leading zero, within 64 bits."""
    return (isinstance(key, str) and 0 < len(key) <= 19 and key.isascii() and key.isdigit()
            and (key == "0" or key[0] != "0") and int(key) <= MAX_DOC_ID)


def _is_op(op: Any) -> bool:
    return (isinstance(op, list) and len(op) == 3 and isinstance(op[0], str) and is_doc_id(op[1])
            and (op[2] is None or isinstance(op[2], dict)))


@dataclass
class JournalScan:
    """What reading journal records from an offset found."""

    records: list[list[Op]] = field(default_factory=list)
    end: int = 0                          # offset just past the last good record
    damaged: list[int] = field(default_factory=list)   # offsets of complete lines failing their checksum
    tail: int = 0                         # bytes of an unfinished last line (no newline)
    tail_at: int = 0                      # where that unfinished line starts
    intact_after_damage: int = 0          # good records after the first damaged one (repair keeps them)

    @property
    def tail_is_interrupted_write(self) -> bool:
        """An unfinished last line that stops where a killed writer's would (a page boundary)."""
        return self.tail == 0 or (self.tail_at + self.tail) % PAGE == 0

    @property
    def cut(self) -> bool:
        """The file ends inside a record, where no interrupted write stops: it was cut short."""
        return not self.tail_is_interrupted_write


def scan(data: bytes | memoryview, start: int) -> JournalScan:
    """Parse journal bytes `data` (read from offset `start`): intact records up to the first damage.

    Records after a damaged line are counted (and kept by `repair`) but not applied: the journal is
    damaged and the store takes no write until it is repaired.
    """
    raw = bytes(data)
    result = JournalScan(end=start)
    pos = 0
    while pos < len(raw):
        newline = raw.find(b"\n", pos)
        if newline < 0:
            result.tail, result.tail_at = len(raw) - pos, start + pos
            break
        ops = decode_record(raw[pos:newline])
        if ops is None:
            result.damaged.append(start + pos)
        elif result.damaged:
            result.intact_after_damage += 1
        else:
            result.records.append(ops)
            result.end = start + newline + 1
        pos = newline + 1
    return result


def records_after_damage(data: bytes, start: int) -> list[list[Op]]:
    """Every intact record of journal bytes, skipping damaged lines (what `repair` replays)."""
    out: list[list[Op]] = []
    for line in data[start:].split(b"\n")[:-1]:
        ops = decode_record(line)
        if ops is not None:
            out.append(ops)
    return out


def meta_of(tables: Tables) -> dict[str, Any]:
    return tables.setdefault(META, {}).setdefault("1", {"app": APP})


def expected_journal(tables: Tables) -> JournalHeader | None:
    """The journal a snapshot expects after it (None: a snapshot written before salts)."""
    meta = meta_of(tables)
    salt = meta.get("journal_salt")
    return None if salt is None else JournalHeader(int(meta.get("generation", 0)), str(salt))


def folded_journal(tables: Tables) -> tuple[JournalHeader, int] | None:
    """The journal a snapshot folded in (its header, and the offset it was folded up to)."""
    folded = meta_of(tables).get("folded")
    if not isinstance(folded, dict):
        return None
    return JournalHeader(int(folded["generation"]), str(folded["salt"])), int(folded["end"])

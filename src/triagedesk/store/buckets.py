"""Lists kept on disk in numbered or hashed buckets, each checked against its own CRC-32 as it is read: the shape
of the side files beside a snapshot (store/places.py, store/knowledge_file.py).

    ends (count + 1 eight-byte integers)  crcs (count four-byte)  the buckets' JSON, one after the other
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from typing import Any

import orjson


class Damaged(Exception):
    """Not the file its header describes: built again, never trusted."""


def slot(value: str, count: int) -> int:
    """The bucket of a text value among `count`."""
    return zlib.crc32(value.encode("utf-8", "surrogatepass")) % count


def encode(buckets: list[Any]) -> tuple[bytes, bytes]:
    """(the head: ends and CRCs, the body) of `buckets`, each any JSON value."""
    blobs = [orjson.dumps(b) for b in buckets]
    ends = array("q", [0])
    for blob in blobs:
        ends.append(ends[-1] + len(blob))
    return ends.tobytes() + array("I", [zlib.crc32(blob) for blob in blobs]).tobytes(), b"".join(blobs)


def hashed(mapping: dict[str, Any], per: int = 8) -> list[dict[str, Any]]:
    """`mapping` split into buckets of about `per` keys, each key in its `slot`."""
    count = max(1, len(mapping) // per)
    out: list[dict[str, Any]] = [{} for _ in range(count)]
    for key, value in mapping.items():
        out[slot(key, count)][key] = value
    return out


def closing(name: str, found: dict[str, Any]) -> bytes:
    """A side file's last piece: its header (`found`, the snapshot `name` it was built from) and the header's
    length and CRC-32."""
    header = orjson.dumps({"snapshot": name, "byteorder": sys.byteorder, **found})
    return header + b"%016d %08x\n" % (len(header), zlib.crc32(header))


def header(buffer: Any, magic: bytes, name: str) -> dict[str, Any]:
    """The header of a side file that starts with `magic` and was built from the snapshot `name`; `Damaged`
    when it is not one, is damaged, or was built from another snapshot (or on another machine's byte order)."""
    if bytes(buffer[:len(magic)]) != magic or len(buffer) < len(magic) + 26:
        raise Damaged("not a side file of this kind")
    line = bytes(buffer[len(buffer) - 26:])
    try:
        length, crc = int(line[:16]), int(line[17:25], 16)
        raw = bytes(buffer[len(buffer) - 26 - length:len(buffer) - 26])
        if len(raw) != length or zlib.crc32(raw) != crc or line[16:17] != b" " or line[25:] != b"\n":
            raise Damaged("a damaged header")
        found = orjson.loads(raw)
        if not isinstance(found, dict) or found.get("snapshot") != name or found.get("byteorder") != sys.byteorder:
            raise Damaged("built from another snapshot")
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise Damaged(f"a damaged header ({exc})") from None
    return found


class Buckets:
    """One encoded list of buckets inside an open file, its head checked once, each bucket as it is read."""

    def __init__(self, buffer: Any, at: int, count: int, head_crc: int) -> None:
        head = buffer[at:at + 12 * count + 8]
        if count < 1 or len(head) != 12 * count + 8 or zlib.crc32(head) != head_crc:
            raise Damaged("a damaged directory")
        self.buffer, self.at, self.count = buffer, at, count

    def number(self, n: int) -> Any:
        """The `n`th bucket's value."""
        begin, end = struct.unpack_from("=qq", self.buffer, self.at + 8 * n)
        (crc,) = struct.unpack_from("=I", self.buffer, self.at + 8 * (self.count + 1) + 4 * n)
        data = self.at + 12 * self.count + 8
        blob = bytes(self.buffer[data + begin:data + end])
        if end < begin or len(blob) != end - begin or zlib.crc32(blob) != crc:
            raise Damaged("a damaged bucket")
        try:
            return orjson.loads(blob)
        except orjson.JSONDecodeError:
            raise Damaged("a damaged bucket") from None

    def get(self, key: str, default: Any = None) -> Any:
        """The value under `key` in its hashed bucket."""
        found = self.number(slot(key, self.count))
        if not isinstance(found, dict):
            raise Damaged("a damaged bucket")
        return found.get(key, default)


__all__ = ["Buckets", "Damaged", "closing", "encode", "hashed", "header", "slot"]

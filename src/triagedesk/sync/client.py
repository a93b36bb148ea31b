"""A small CouchDB-protocol client on httpx: retries with backoff and jitter (stamina), credentials never shown."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import orjson
import stamina
import stamina.instrumentation

from triagedesk.display import printable
from triagedesk.domain.errors import UserError


class SyncError(UserError):
    """The server could not be reached or refused; the message never holds a password."""


@dataclass(frozen=True)
class Remote:
    """Where the team's database is, and how to log in (kept out of every message)."""

    base: str          # scheme://host:port, no credentials
    database: str
    username: str | None = None
    password: str | None = None
    compressed: bool = True  # ask for gzipped answers (off on loopback, where it only costs CPU)

    @property
    def shown(self) -> str:
        """The URL as messages show it: credentials masked."""
        who = "***@" if self.username or self.password else ""
        scheme, rest = self.base.split("://", 1)
        return f"{scheme}://{who}{rest}/{self.database}"

    @property
    def identity(self) -> str:
        """What the replication id is derived from: the URL without credentials."""
        return f"{self.base}/{self.database}"


COMPRESS_CHOICES = ("auto", "on", "off")


def parse_remote(url: str | None) -> Remote:
    """From `--url`, else `TRIAGEDESK_SYNC_URL`; `TRIAGEDESK_SYNC_USER`/`_PASSWORD` fill missing credentials.

    `TRIAGEDESK_SYNC_COMPRESS` (auto, on, off) says whether to ask for gzipped answers: `auto` does for every
    server but one on this machine, where compressing only costs the server CPU (a third of a pull's time)."""
    raw = url or os.environ.get("TRIAGEDESK_SYNC_URL")
    if not raw:
        raise SyncError("no server: pass --url http://host:5984/DATABASE or set TRIAGEDESK_SYNC_URL")
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError as exc:
        raise SyncError(f"{_mask_loosely(raw)}: not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SyncError(f"{_mask(raw)}: not an http(s) URL like http://host:5984/desk")
    database = parts.path.strip("/")
    if not database or "/" in database:
        raise SyncError(f"{_mask(raw)}: the URL must name one database, like http://host:5984/desk")
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    base = urlunsplit((parts.scheme, netloc, "", "", ""))
    user = parts.username or os.environ.get("TRIAGEDESK_SYNC_USER")
    password = parts.password or os.environ.get("TRIAGEDESK_SYNC_PASSWORD")
    compress = (os.environ.get("TRIAGEDESK_SYNC_COMPRESS") or "auto").strip().lower()
    if compress not in COMPRESS_CHOICES:
        raise SyncError(f"TRIAGEDESK_SYNC_COMPRESS={compress!r}: expected one of {', '.join(COMPRESS_CHOICES)}")
    compressed = not _loopback(parts.hostname) if compress == "auto" else compress == "on"
    return Remote(base, database, user, password, compressed)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _mask_loosely(url: str) -> str:
    """A URL too broken to parse, with whatever stands before an `@` masked."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return printable(f"{scheme}{sep}{rest}")


def _mask(url: str) -> str:
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = "***@" + host + (f":{parts.port}" if parts.port else "")
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


TRANSIENT = (408, 429, 500, 502, 503, 504)  # worth asking again (429: Cloudant's rate limit); others are final


stamina.instrumentation.set_on_retry_hooks([])
"""No retry is logged: a desk's terminal and the CLI's one-line errors stay as they are (the final failure says
how many attempts it took)."""


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff from `base_delay` (doubling, at most `max_delay`), plus up to `base_delay` of jitter."""

    attempts: int = 5
    base_delay: float = 0.2
    max_delay: float = 5.0


class _Transient(Exception):
    """A failure worth asking again (a lost connection, a timeout, a 408/429/5xx); its reason is the message."""


class CouchClient:
    """The calls replication needs, each retried on connection errors, timeouts and 5xx."""

    def __init__(self, remote: Remote, timeout: float = 30.0, retry: RetryPolicy | None = None,
                 verify: bool = True) -> None:
        self.remote = remote
        self.retry = retry or RetryPolicy()
        auth = (remote.username or "", remote.password or "") if remote.username or remote.password else None
        headers = {"Accept": "application/json"}
        if not remote.compressed:
            headers["Accept-Encoding"] = "identity"
        self.http = httpx.Client(base_url=remote.base, auth=auth, timeout=timeout, verify=verify, headers=headers)

    def close(self) -> None:
        self.http.close()

    def _db(self, path: str = "") -> str:
        return "/" + quote(self.remote.database, safe="") + path

    def request(self, method: str, path: str, *, expect: tuple[int, ...] = (200, 201, 202),
                timeout: float | None = None, **kwargs: Any) -> httpx.Response:
        options: dict[str, Any] = dict(kwargs)
        if timeout is not None:
            options["timeout"] = timeout
        policy = self.retry
        try:
            for attempt in stamina.retry_context(on=_Transient, attempts=policy.attempts, timeout=None,
                                                 wait_initial=policy.base_delay, wait_max=policy.max_delay,
                                                 wait_jitter=policy.base_delay):
                with attempt:
                    return self._once(method, path, expect, options)
        except _Transient as exc:
            raise SyncError(f"{self.remote.shown}: {exc} after {policy.attempts} attempts") from None
        raise AssertionError("unreachable: the retry context returns or raises")  # pragma: no cover

    def _once(self, method: str, path: str, expect: tuple[int, ...], options: dict[str, Any]) -> httpx.Response:
        """One request: the response expected, a final `SyncError`, or `_Transient` to be asked again."""
        try:
            response = self.http.request(method, path, **options)
        except httpx.TimeoutException:
            raise _Transient("timed out") from None
        except httpx.TransportError as exc:
            raise _Transient(_transport_reason(exc)) from None
        if response.status_code in expect:
            return response
        if response.status_code not in TRANSIENT:
            raise SyncError(f"{self.remote.shown}: {method} {path.split('?')[0]} answered "
                            f"{response.status_code} {_reason(response)}".rstrip())
        raise _Transient(f"server error {response.status_code}")

    # -- the protocol ----------------------------------------------------------------------
    def ensure_database(self) -> bool:
        """Make sure the database is there (False: it was). Creating one is `server setup`'s work, as an
        admin: an anonymous PUT of a database crashes PouchDB Server 4.2.0 when it has an admin."""
        found = self.request("GET", self._db(), expect=(200, 404))
        if found.status_code == 200:
            self._parsed("GET", self._db(), found)  # a web page here is not a database: say so now
            return False
        raise SyncError(f"{self.remote.shown}: no such database: run server setup "
                        "(`triagedesk server setup --url URL`, as the server's admin)")

    def create_database(self) -> bool:
        """True when the database had to be created (an admin's call)."""
        found = self.request("GET", self._db(), expect=(200, 404))
        if found.status_code == 200:
            self._parsed("GET", self._db(), found)
            return False
        self.request("PUT", self._db(), expect=(201, 202, 412))
        return True

    def update_seq(self) -> Any:
        """The database's latest sequence (opaque: a number from PouchDB, a string from CouchDB 3)."""
        return self._json("GET", self._db()).get("update_seq")

    def _json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """A request with an orjson body and an orjson-parsed answer."""
        if body is not None:
            kwargs["content"] = orjson.dumps(body)
            kwargs["headers"] = {"Content-Type": "application/json"}
        return self._parsed(method, path, self.request(method, path, **kwargs))

    def _parsed(self, method: str, path: str, response: httpx.Response) -> Any:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError:
            raise SyncError(f"{self.remote.shown}: {method} {path.split('?')[0]} did not answer JSON "
                            f"({response.headers.get('content-type') or 'no content type'}): "
                            "is this a CouchDB server?") from None

    def bulk_docs(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._json("POST", self._db("/_bulk_docs"), {"docs": docs})

    def fetch(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The current revisions of these documents: a deleted one as its tombstone (`_deleted`), a missing
        one left out."""
        rows = self._json("POST", self._db("/_all_docs?include_docs=true"), {"keys": ids})["rows"]
        found = {}
        for row in rows:
            if row.get("doc"):
                found[row["id"]] = row["doc"]
            elif (row.get("value") or {}).get("deleted"):
                found[row["id"]] = {"_id": row["id"], "_rev": row["value"]["rev"], "_deleted": True}
        return found

    def bulk_get(self, wanted: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """These revisions (document id, revision) as the server holds them, deleted ones as their tombstones
        (with whatever body they were written with); a revision it does not have is left out."""
        if not wanted:
            return []
        answer = self._json("POST", self._db("/_bulk_get?revs=false"),
                            {"docs": [{"id": doc_id, "rev": rev} for doc_id, rev in wanted]})
        return [found["ok"] for result in answer.get("results", []) for found in result.get("docs", [])
                if isinstance(found, dict) and isinstance(found.get("ok"), dict)]

    def revs_diff(self, revs: dict[str, list[str]]) -> dict[str, list[str]]:
        """Of these revisions, the ones the server does not hold, by document id."""
        if not revs:
            return {}
        answer = self._json("POST", self._db("/_revs_diff"), revs)
        return {key: list(value.get("missing", [])) for key, value in answer.items() if isinstance(value, dict)}

    def changes(self, since: Any, limit: int, longpoll: bool = False, read_timeout: float = 30.0) -> dict[str, Any]:
        params: dict[str, Any] = {"since": since, "include_docs": "true", "style": "all_docs", "conflicts": "true",
                                  "limit": limit}
        if longpoll:
            params.update(feed="longpoll", timeout=int(read_timeout * 1000))
        if not longpoll:
            return self._json("GET", self._db("/_changes"), params=params)
        # PouchDB Server ignores the server-side timeout: the client's read timeout ends a quiet poll
        try:
            response = self.http.get(self._db("/_changes"), params=params,
                                     timeout=httpx.Timeout(10.0, read=read_timeout))
        except httpx.ReadTimeout:
            return {"results": [], "last_seq": since}
        except httpx.TransportError:
            return self._json("GET", self._db("/_changes"), params=params)  # retried, then a clear error
        if response.status_code != 200:
            return self._json("GET", self._db("/_changes"), params=params)
        return self._parsed("GET", self._db("/_changes"), response)

    def get_local(self, local_id: str) -> dict[str, Any] | None:
        path = self._db(f"/_local/{quote(local_id, safe='')}")
        response = self.request("GET", path, expect=(200, 404))
        return self._parsed("GET", path, response) if response.status_code == 200 else None

    def put_local(self, local_id: str, body: dict[str, Any]) -> None:
        """Write a `_local` document (a checkpoint), on top of its current revision."""
        path = self._db(f"/_local/{quote(local_id, safe='')}")
        for _ in range(3):  # a retried PUT whose first attempt reached the server answers 409: read, try again
            current = self.get_local(local_id)
            sent = {**body, "_rev": current["_rev"]} if current is not None and "_rev" in current else body
            if self.request("PUT", path, json=sent, expect=(200, 201, 409)).status_code != 409:
                return
        raise SyncError(f"{self.remote.shown}: the checkpoint {local_id} kept changing under this desk")

    def put_doc(self, doc: dict[str, Any]) -> dict[str, Any]:
        """One document per request: only for the benchmark's baseline."""
        return self.request("PUT", self._db(f"/{quote(doc['_id'], safe='')}"), json=doc,
                            expect=(200, 201, 202, 409)).json()

    def get_doc(self, doc_id: str) -> dict[str, Any] | None:
        """One document by its id (None when missing): only for the benchmark's baseline."""
        found = self.request("GET", self._db(f"/{quote(doc_id, safe='')}"), expect=(200, 404))
        return found.json() if found.status_code == 200 else None


def _reason(response: httpx.Response) -> str:
    if response.is_redirect:
        return f"(a redirect to {response.headers.get('location', '?')}: give that URL instead)"
    try:
        body = response.json()
        return f"({body.get('error', '')}: {body.get('reason', '')})"
    except ValueError:
        return "(not a CouchDB answer: is this a CouchDB server?)"


def _transport_reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "refused" in text.lower():
        return "connection refused"
    return text.split("\n")[0][:120]

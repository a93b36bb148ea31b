"""The team's server enforcing who may change what: the `_design/triagedesk` validation function, the database's
`_security`, users and their roles in `_users`, and what `_session` says the syncing user may do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from triagedesk.sync.client import CouchClient, SyncError
from triagedesk.sync.validation import validate_function

ROLES = ("coordinator", "expert", "lead")
EXPERT_ROLE = "expert:"  # the role binding an expert user to one expert id: `expert:ann`
DESIGN_ID = "_design/triagedesk"


def design_doc() -> dict[str, Any]:
    return {"_id": DESIGN_ID, "language": "javascript", "validate_doc_update": validate_function()}


def security_object() -> dict[str, Any]:
    """Only triagedesk's roles (and the server's admins) read or write the database."""
    return {"admins": {"names": [], "roles": []}, "members": {"names": [], "roles": list(ROLES)}}


@dataclass
class SetupReport:
    created_database: bool
    design: str      # "installed", "updated" or "unchanged"
    security: str    # "set" or "unchanged"

    def line(self, shown: str) -> str:
        made = "created the database, " if self.created_database else ""
        return f"server {shown}: {made}validation {self.design}, access {self.security}"


def setup(client: CouchClient) -> SetupReport:
    """Create the database if needed, install the validation function and `_security`; idempotent."""
    created = client.create_database()
    design = "installed"
    current = client.get_doc(DESIGN_ID)
    wanted = design_doc()
    if current is not None:
        if current.get("validate_doc_update") == validate_function():
            design = "unchanged"
        else:
            wanted["_rev"] = current["_rev"]
            design = "updated"
    if design != "unchanged":
        client.request("PUT", client._db(f"/{DESIGN_ID}"), json=wanted, expect=(200, 201))
    path = client._db("/_security")
    found = client.request("GET", path, expect=(200,)).json()
    security = "unchanged" if found == security_object() else "set"
    if security == "set":
        client.request("PUT", path, json=security_object(), expect=(200, 201))
    return SetupReport(created, design, security)


def _user_path(name: str) -> str:
    return "/_users/" + quote(f"org.couchdb.user:{name}", safe="")


def add_user(client: CouchClient, name: str, password: str, role: str, expert_id: str | None) -> bool:
    """Create the user, or give an existing one this password and roles; True when it was new."""
    if role not in ROLES:
        raise SyncError(f"--role {role}: expected one of {', '.join(ROLES)}")
    if role == "expert" and not expert_id:
        raise SyncError("an expert user needs --expert ID: the expert they act as")
    if role != "expert" and expert_id:
        raise SyncError("--expert belongs to --role expert only")
    if not name or name.startswith("_") or ":" in name:
        raise SyncError(f"{name!r}: a user name must not be empty, start with _ or hold a colon")
    roles = [role] + ([EXPERT_ROLE + expert_id] if expert_id else [])
    found = client.request("GET", _user_path(name), expect=(200, 404))
    doc: dict[str, Any] = {"_id": f"org.couchdb.user:{name}", "name": name, "type": "user", "roles": roles,
                           "password": password}
    if found.status_code == 200:
        doc["_rev"] = found.json()["_rev"]
    client.request("PUT", _user_path(name), json=doc, expect=(200, 201, 202))
    return found.status_code == 404


def list_users(client: CouchClient) -> list[dict[str, Any]]:
    rows = client.request("GET", "/_users/_all_docs", params={"include_docs": "true"}).json().get("rows", [])
    out = []
    for row in rows:
        doc = row.get("doc") or {}
        if doc.get("type") != "user":
            continue
        roles = [r for r in doc.get("roles", []) if isinstance(r, str)]
        expert = next((r[len(EXPERT_ROLE):] for r in roles if r.startswith(EXPERT_ROLE)), None)
        out.append({"name": doc.get("name"), "roles": [r for r in roles if r in ROLES], "expert": expert})
    return sorted(out, key=lambda u: str(u["name"]))


@dataclass(frozen=True)
class Identity:
    """Who the server says the syncing user is."""

    name: str | None
    roles: tuple[str, ...]
    expert_id: str | None
    admin: bool

    def allows(self, role: str) -> bool:
        return self.admin or role in self.roles

    @property
    def writer(self) -> dict[str, Any] | None:
        """What this user's revisions say in `by` (the role the server's validation applies); None without a name."""
        if self.name is None:
            return None
        role = "admin" if self.admin else next((r for r in ("coordinator", "expert", "lead") if r in self.roles),
                                                "none")
        return {"user": self.name, "role": role, **({"expert": self.expert_id} if role == "expert" else {})}


def whoami(client: CouchClient) -> Identity:
    ctx = client.request("GET", "/_session").json().get("userCtx") or {}
    roles = tuple(r for r in ctx.get("roles", []) if isinstance(r, str))
    expert = next((r[len(EXPERT_ROLE):] for r in roles if r.startswith(EXPERT_ROLE)), None)
    return Identity(ctx.get("name"), tuple(r for r in roles if r in ROLES), expert, "_admin" in roles)


def check_role(identity: Identity, role: str, expert_id: str | None) -> str | None:
    """The expert id the desk is bound to; a one-line refusal when the server's roles do not allow `role`."""
    if identity.name is None:
        return expert_id  # no login: the server decides nothing here
    if not identity.allows(role):
        held = ", ".join(identity.roles) or "none"
        raise SyncError(f"user {identity.name!r} may not open the desk as {role}: the server gives them {held}")
    if role == "expert" and not identity.admin:
        if expert_id and identity.expert_id and expert_id != identity.expert_id:
            raise SyncError(f"user {identity.name!r} is expert {identity.expert_id!r} on the server, "
                            f"not {expert_id!r}")
        return identity.expert_id or expert_id
    return expert_id

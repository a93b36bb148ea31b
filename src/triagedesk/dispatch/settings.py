"""The dispatcher's settings: environment (TRIAGEDESK_*) over defaults; secrets never come from the store."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class DispatchSettings(BaseSettings):
    """Shared sender settings, the intake's token and limits, the ack links' secret and lifetime."""

    model_config = SettingsConfigDict(env_prefix="TRIAGEDESK_", extra="ignore")

    mail_url: str | None = None
    """The SMTP account as an Apprise URL (`mailtos://user:pass@smtp.example.org?from=desk@example.org`);
    an expert whose email contact is a bare address is mailed through it."""
    coordinator_url: str | None = None
    """Where coordinator flags go (any Apprise URL)."""
    contact_schemes: str = ("mailto,mailtos,slack,msteams,ntfy,ntfys,json,jsons,discord,tgram,matrix,matrixs,"
                            "rocket,rockets,mmost,mmosts,pover,gotify,gotifys,signal,signals,zulip,webex")
    """The Apprise services an expert's contact may use (comma-separated): contacts come from the store, which
    other desks write; a service not listed is refused rather than called."""
    intake_token: str | None = None
    public_url: str | None = None
    """The base of acknowledgement links (`https://desk.example.org`); default: the --listen address."""
    ack_secret: str | None = None
    ack_ttl_minutes: int = Field(24 * 60, gt=0)
    rate_limit: float = Field(50.0, gt=0)
    """Requests per second per client on the intake (a burst of twice that is allowed)."""
    max_body: int = Field(1024 * 1024, gt=0)
    max_attempts: int = Field(8, ge=1)
    retry_base_seconds: float = Field(5.0, gt=0)
    retry_max_seconds: float = Field(900.0, gt=0)
    delivery_workers: int = Field(8, ge=1, le=64)
    """Sends under way at once (one per target at a time): a hanging target holds one of them, no more."""
    send_timeout_seconds: float = Field(10.0, gt=0)
    """How long one send may take, all told (connecting, each read, and the whole answer), before it counts as
    failed and is tried again on its backoff."""
    stop_grace_seconds: float = Field(5.0, ge=0)
    """At SIGTERM, how long the sends under way may finish; one still running is sent again at the next start,
    marked as a possible repeat."""
    forwarded_allow_ips: str = ""
    """The reverse proxies whose X-Forwarded-For is believed (comma-separated addresses or networks, `*` for
    any); empty: proxy headers are ignored and every client is the address it connects from."""
    lease_seconds: float = Field(30.0, gt=0)
    interval_seconds: float = Field(5.0, gt=0)

    @property
    def schemes(self) -> frozenset[str]:
        return frozenset(part.strip().lower() for part in self.contact_schemes.split(",") if part.strip())

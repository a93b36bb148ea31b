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
    lease_seconds: float = Field(30.0, gt=0)
    interval_seconds: float = Field(5.0, gt=0)

    @property
    def schemes(self) -> frozenset[str]:
        return frozenset(part.strip().lower() for part in self.contact_schemes.split(",") if part.strip())

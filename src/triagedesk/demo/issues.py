"""A deterministic generator of realistic issues of both profiles, for the demo store and benchmarks."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from triagedesk.domain.models import Issue

_SYSTEMS = ["orders-db", "checkout-api", "web-frontend", "auth-service", "vpn-gw", "core-switch-1",
            "edge-router-2", "esxi-03", "vsan-ds1", "k8s-prod", "s3-archive", "crm-db", "erp",
            "mail-relay", "dns-1", "fs-finance-01", "backup-vault", "payments-api"]
_VENDORS = ["Cisco", "Juniper", "VMware", "AWS", "Azure", "NetApp", "Palo Alto", "F5", "Okta"]

# (title, description, symptoms, errors, bias) where bias nudges the context numbers
_INFRA_TEMPLATES: list[tuple[str, str, list[str], list[str], float]] = [
    ("Primary database outage",
     "The {system} cluster is down after the storage firmware upgrade; replicas refuse connections.",
     ["connection refused on 5432", "replication lag growing"],
     ["FATAL: the database system is in recovery mode"],
     0.9),
    ("Ransomware note on file server",
     "A ransom note appeared on {system}; files renamed with a .lockd extension, possible intrusion via VPN.",
     ["files renamed", "ransom note in every folder"], [], 0.95),
    ("Nightly backups lost",
     "The backup_failed alert fired for six nights on {system}; the retention job deleted the last good copy.",
     ["backup job exits 1"], ["ERROR: snapshot chain broken"], 0.8),
    ("BGP flaps between {vendor} and {vendor2} edge routers",
     "Routes to the DR site flap every 20 minutes; timers differ between the {vendor} and {vendor2} boxes.",
     ["routes withdrawn", "packet loss to DR"], ["%BGP-5-ADJCHANGE: neighbor Down"], 0.6),
    ("Slow VM storage after vSAN policy change",
     "Latency on {system} tripled after the vSAN policy change; the result is unexpected for this workload.",
     ["latency 40 ms", "VMs slow"], [], 0.5),
    ("PCI audit question on log retention",
     "Auditors ask whether 90 days of firewall logs meet PCI-DSS for the payment network.",
     [], [], 0.3),
    ("Terraform plan wants to recreate the VPC",
     "Best practice guidance needed before the migration of Terraform state to a new backend.",
     [], ["Error: resource must be replaced"], 0.35),
    ("Certificate expiry on {system}",
     "The TLS certificate of {system} expires in 3 days; renewal automation keeps failing.",
     ["renewal job fails"], ["acme: error 403"], 0.4),
    ("Intermittent 502s from the load balancer",
     "The {vendor} load balancer returns 502 for about 2% of requests to {system}.",
     ["502 Bad Gateway", "health checks flapping"], ["upstream prematurely closed connection"], 0.55),
    ("Suspicious logins from new countries",
     "Unauthorized login attempts against {system}; two accounts may be compromised.",
     ["impossible travel alerts"], [], 0.85),
    ("Disk usage growing on {system}", "Disk usage grows 5% a day on {system}; automation could not find the cause.",
     ["disk 85% full"], [], 0.25),
    ("Guest Wi-Fi download speeds low", "Guests report slower download speeds in the lobby.", [], [], 0.1),
    ("Kubernetes nodes NotReady",
     "Three nodes of {system} report NotReady after the kernel patch; pods are being evicted.",
     ["pods evicted", "kubelet restarts"], ["PLEG is not healthy"], 0.7),
    ("DNS resolution slow for internal zones",
     "Lookups for internal zones take 2 s from {system}; external zones are fine.",
     ["slow lookups"], ["SERVFAIL"], 0.35),
]

_ITEMS: dict[str, list[str]] = {
    "silver": ["Georgian silver teapot", "Victorian silver tea service",
               "Art Deco silver cigarette case", "Sterling candlesticks, pair"],
    "watches": ["Rolex Submariner with a doubtful dial", "Omega Speedmaster, 1969",
                "Patek Philippe Calatrava", "Cartier Tank, gold"],
    "jewelry": ["Diamond solitaire ring", "Victorian mourning brooch",
                "Pearl necklace, three strands", "Costume brooch"],
    "art": ["Oil landscape, unsigned", "Signed lithograph, numbered",
            "Watercolour harbour scene", "Bronze figure of a dancer"],
    "ceramics": ["Delft blue charger plate", "Meissen figurine", "Chinese export porcelain bowl", "Moorcroft vase"],
    "furniture": ["Mid-century teak sideboard", "Georgian mahogany bureau",
                  "Thonet bentwood chair", "Art Nouveau side table"],
}
_ITEM_NOTES = ["Hallmarks worn but legible.", "Seller claims it came from an estate sale.",
               "Small chips on the rim.", "Dial printing looks off.", "Signature partly covered by the frame.",
               "Label partly missing.", "Provenance papers are photocopies."]


def _infra_issue(rng: random.Random, number: int, created: datetime) -> dict[str, Any]:
    title, description, symptoms, errors, bias = rng.choice(_INFRA_TEMPLATES)
    system = rng.choice(_SYSTEMS)
    vendor, vendor2 = rng.sample(_VENDORS, 2)
    fill = {"system": system, "vendor": vendor, "vendor2": vendor2}
    total = rng.choice([200, 500, 1000, 2000, 5000])
    share = min(1.0, max(0.0, rng.gauss(bias * 0.6, 0.2)))
    systems = sorted({system, *rng.sample(_SYSTEMS, rng.randint(0, 3))})
    return {
        "id": f"INC-{number:06d}",
        "profile": "infrastructure",
        "title": title.format(**fill),
        "description": description.format(**fill),
        "created_at": created,
        "users_affected": int(total * share),
        "total_users": total,
        "affected_systems": systems,
        "estimated_revenue_impact": round(max(0.0, rng.gauss(bias * 60_000, 20_000)), -2),
        "compliance_risk_level": rng.choices(["low", "medium", "high"], [5, 3, 1 + 3 * bias])[0],
        "data_classification": rng.choice(["public", "internal", "confidential", "restricted"]),
        "symptoms": list(symptoms),
        "error_messages": list(errors),
        "research": {
            "overall_confidence": round(min(1.0, max(0.0, rng.gauss(0.75 - bias * 0.4, 0.15))), 2),
            "research_duration_minutes": rng.randint(5, 180),
            "failed_remediation_attempts": rng.choices([0, 1, 2, 3, 4], [5, 4, 2, 1, 1])[0],
            "vendor_escalation_recommended": rng.random() < bias * 0.3,
            "known_bugs": [f"BUG-{rng.randint(1000, 9999)}"] if rng.random() < 0.2 else [],
        },
    }


def _appraisal_issue(rng: random.Random, number: int, created: datetime) -> dict[str, Any]:
    category = rng.choice(list(_ITEMS))
    low = int(10 ** rng.uniform(3.3, 6.3))  # $20 .. $20,000 in cents
    spread = rng.choice([1.5, 2.0, 2.0, 2.5, 3.0, 4.0])
    return {
        "id": f"APR-{number:06d}",
        "profile": "appraisal",
        "title": rng.choice(_ITEMS[category]),
        "description": rng.choice(_ITEM_NOTES),
        "created_at": created,
        "category": category,
        "estimated_value": {"min": low, "max": int(low * spread)},
        "confidence": round(min(1.0, max(0.05, rng.gauss(0.7, 0.15))), 2),
        "authentication_risk": rng.choices(["none", "low", "medium", "high", "very_high"], [4, 4, 3, 2, 1])[0],
        "expert_referral_recommended": rng.random() < 0.15,
    }


def iter_issue_records(count: int, seed: int = 7, now: datetime | None = None,
                       days: int = 60) -> Iterator[dict[str, Any]]:
    """`count` issue records, half of each profile, created over the last `days` days, made one at a time."""
    rng = random.Random(seed)
    now = now or datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    span = days * 86_400
    for number in range(count):
        created = now - timedelta(seconds=rng.randrange(span))
        make = _infra_issue if number % 2 == 0 else _appraisal_issue
        yield make(rng, number + 1, created)


def issue_records(count: int, seed: int = 7, now: datetime | None = None, days: int = 60) -> list[dict[str, Any]]:
    """`count` issue records, half of each profile, created over the last `days` days."""
    return list(iter_issue_records(count, seed, now, days))


def generate_issues(count: int, seed: int = 7, now: datetime | None = None) -> list[Issue]:
    """Validated `Issue` models of `issue_records`."""
    return [Issue.model_validate(r) for r in issue_records(count, seed, now)]

"""What the experts of the demo history concluded, per kind of issue: a resolution and its recommendations."""

from __future__ import annotations

from triagedesk.domain.models import Issue

Resolution = tuple[str, list[str]]

# infrastructure issues, by a word of their title (the templates of demo_issues)
_INFRASTRUCTURE: list[tuple[str, list[Resolution]]] = [
    ("database", [
        ("Rolled back the storage firmware and resynchronised the replicas.",
         ["Pin firmware versions per cluster", "Add a replica lag alert"]),
        ("Promoted the healthiest replica and rebuilt the old primary from it.", ["Rehearse failover quarterly"]),
    ]),
    ("Ransomware", [
        ("Isolated the host, restored from the immutable backup, rotated credentials.",
         ["Enforce MFA on the VPN", "Run a tabletop exercise"]),
    ]),
    ("backups", [
        ("Rebuilt the snapshot chain and fixed the retention job's off-by-one.",
         ["Alert on a missing restore test", "Keep one copy outside the retention job"]),
    ]),
    ("BGP", [
        ("Raised the BGP hold timers to match on both vendors.", ["Document timer defaults per vendor"]),
    ]),
    ("vSAN", [
        ("Reverted the storage policy and rebalanced the datastore.", ["Test policy changes in staging first"]),
    ]),
    ("PCI", [
        ("Confirmed retention meets the standard; added a log archive.", ["Write the retention policy down"]),
    ]),
    ("Terraform", [
        ("Moved the state with `terraform state mv` before the backend change.", ["Add a plan check to CI"]),
    ]),
    ("Certificate", [
        ("Fixed the ACME account's DNS permissions and renewed by hand once.",
         ["Alert 21 days before any expiry"]),
    ]),
    ("502s", [
        ("Aligned the load balancer's idle timeout below the upstream keep-alive.",
         ["Keep timeouts in one table per tier"]),
    ]),
    ("logins", [
        ("Locked the two accounts, rotated their credentials and blocked the source ranges.",
         ["Enforce MFA everywhere", "Review impossible-travel alerts daily"]),
    ]),
    ("Disk usage", [
        ("Found a debug log level left on; rotated and capped the logs.", ["Alert on growth rate, not only fill"]),
    ]),
    ("Wi-Fi", [
        ("Moved the guest SSID off the congested channel and capped per-client bandwidth.",
         ["Survey the lobby after layout changes"]),
    ]),
    ("Kubernetes", [
        ("Rolled the nodes back to the previous kernel; the container runtime needed an update first.",
         ["Canary kernel patches on one node pool"]),
    ]),
    ("DNS", [
        ("Pointed the forwarders at the internal resolvers and dropped the dead one.",
         ["Monitor resolver latency from every site"]),
    ]),
]
_INFRASTRUCTURE_OTHER: list[Resolution] = [
    ("Reproduced the fault with the vendor and applied their fix.", ["Keep a vendor case log"]),
]

# appraisal items, by category
_APPRAISAL: dict[str, list[Resolution]] = {
    "silver": [
        ("Authenticated: hallmarks consistent with the maker and the date letter.",
         ["Photograph hallmarks under raking light"]),
        ("Silver plate, not sterling: the marks are a maker's pseudo-hallmarks.", ["Test an unseen spot first"]),
    ],
    "watches": [
        ("Authenticated: movement, case and serial range agree.", ["Ask for movement photos first"]),
        ("Not authentic: dial reprinted, case later than claimed.", ["Ask for movement photos first"]),
    ],
    "jewelry": [
        ("Stones tested natural; the setting is later than the piece.", ["Ask for a lab certificate above $5,000"]),
        ("Paste stones in a period setting; value revised down.", ["Check under UV before quoting"]),
    ],
    "art": [
        ("Attribution confirmed from the signature, paper and printer's mark.", ["Ask for the back of the frame"]),
        ("A later reproduction: the print lacks the plate mark.", ["Photograph under magnification first"]),
    ],
    "ceramics": [
        ("Authenticated: factory mark and glaze match the period.", ["Photograph the base and the foot rim"]),
        ("Restored: a rim repair under the glaze lowers the value.", ["Check under UV for restoration"]),
    ],
    "furniture": [
        ("Period piece: construction and tool marks agree; later handles.", ["Photograph the drawer joints"]),
        ("Made up from two pieces; value revised after comparable sales.",
         ["Use the last 24 months of auction results"]),
    ],
}
_APPRAISAL_OTHER: list[Resolution] = [
    ("Value revised after comparable sales review.", ["Use the last 24 months of auction results"]),
]


def resolutions_for(issue: Issue) -> list[Resolution]:
    """The conclusions an expert could reach on this issue, the likeliest first."""
    if issue.profile == "appraisal":
        return _APPRAISAL.get(issue.category or "", _APPRAISAL_OTHER)
    for word, found in _INFRASTRUCTURE:
        if word.lower() in issue.title.lower():
            return found
    return _INFRASTRUCTURE_OTHER

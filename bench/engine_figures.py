"""Engine figures: evaluate and sort 100k generated issues, against the seeds' pseudo-code."""

from __future__ import annotations

import gc

from harness import Figure, median_time
from seed_baseline import baseline_decide

from triagedesk.demo.issues import issue_records
from triagedesk.domain.models import Issue
from triagedesk.domain.scoring.escalation import Scorer
from triagedesk.resources import load_profile


def run(quick: bool) -> list[Figure]:
    count = 20_000 if quick else 100_000
    records = issue_records(count, seed=11)
    validate_s, validate_runs = median_time(lambda: [Issue.model_validate(r) for r in records], 1 if quick else 3)
    issues = [Issue.model_validate(r) for r in records]
    plain = [i.model_dump() for i in issues]
    gc.freeze()
    scorers = {name: Scorer(load_profile(name)) for name in ("infrastructure", "appraisal")}

    def ours() -> list[int]:
        order = [scorers[i.profile].assess(i).order for i in issues]  # type: ignore[index]
        return sorted(range(count), key=order.__getitem__)

    def baseline() -> list[int]:
        decided = [baseline_decide(r) for r in plain]
        return sorted(range(count), key=lambda k: (decided[k][0], -decided[k][1]))

    ours_s, ours_runs = median_time(ours, 3 if quick else 7)
    base_s, base_runs = median_time(baseline, 1 if quick else 3)
    infra = [k for k, i in enumerate(issues) if i.profile == "infrastructure"]
    fast = [scorers["infrastructure"].assess(issues[k]).urgency_rank for k in infra]
    seed = [baseline_decide(plain[k])[0] for k in infra]
    agree = sum(a == b for a, b in zip(fast, seed, strict=True)) / max(len(infra), 1)
    per_second = count / ours_s
    scale = 100_000 / count
    gc.unfreeze()
    return [
        Figure(f"evaluate + sort {count:,} issues", ours_s * scale, "s (per 100k)",
               baseline=base_s * scale, goal="<= 1.0 s and >= 5x baseline",
               ok=ours_s * scale <= 1.0 and base_s / ours_s >= 5,
               notes=f"{per_second:,.0f} decisions/s; {ours_s / count * 1e6:.1f} us each; "
                     f"infrastructure urgencies agree with the seed transcription on {agree:.1%}",
               runs=ours_runs),
        Figure(f"validate {count:,} issues (pydantic, the input edge)", validate_s * scale, "s (per 100k)",
               notes="not part of scoring: the store and the CLI validate once at the edge",
               runs=validate_runs),
    ]

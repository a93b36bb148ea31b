"""Hostile inputs and the one-line error each must give (shared by the tests and `make torture`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hostile:
    name: str
    filename: str
    text: str
    expected: str   # in the one-line error


DEEP = 100_000

CASES = [
    Hostile("1e999 in JSON", "issues.json", '{"id": "a", "estimated_revenue_impact": 1e999}',
            "issues.json: estimated_revenue_impact: not a finite number"),
    Hostile("NaN in JSONL", "issues.jsonl", '{"id": "a"}\n{"id": "b", "research": {"overall_confidence": NaN}}',
            "issues.jsonl:2: research.overall_confidence: not a finite number"),
    Hostile("-Infinity in a JSON array", "issues.json", '[{"id": "a"}, {"id": "b", "confidence": -Infinity}]',
            "issues.json: [1]: confidence: not a finite number"),
    Hostile("inf in CSV", "issues.csv", "id,estimated_revenue_impact\na,inf\n",
            "issues.csv:2: column estimated_revenue_impact: not a finite number"),
    Hostile("nan in CSV", "issues.csv", "id,confidence\na,nan\n",
            "issues.csv:2: column confidence: not a finite number"),
    Hostile("1e999 in CSV", "issues.csv", "id,estimated_revenue_impact\na,1e999\n",
            "issues.csv:2: column estimated_revenue_impact: not a finite number"),
    Hostile("an integer above 2^63", "issues.jsonl", '{"id": "a", "users_affected": 99999999999999999999}',
            "issues.jsonl:1: users_affected: integer out of range"),
    Hostile("an integer above 2^63 in CSV", "issues.csv", "id,users_affected\na,18446744073709551616\n",
            "issues.csv:2: column users_affected: integer out of range"),
    Hostile("an integer of 5,000 digits (beyond Python's conversion limit)", "issues.json",
            '[{"id": "a", "users_affected": ' + "9" * 5000 + "}]",
            "issues.json: [0]: users_affected: integer out of range"),
    Hostile("an integer of 5,000 digits in CSV", "issues.csv", "id,users_affected\na," + "9" * 5000 + "\n",
            "issues.csv:2: column users_affected: integer out of range"),
    Hostile("a lone surrogate", "issues.jsonl", '{"id": "a", "title": "bad \\ud800 text"}',
            "issues.jsonl:1: title: text holds a lone surrogate"),
    Hostile("a lone surrogate in a list", "issues.json", '{"id": "a", "symptoms": ["ok", "\\udfff"]}',
            "issues.json: symptoms[1]: text holds a lone surrogate"),
    Hostile("JSON nested 100,000 deep", "issues.json", '{"id": "a", "symptoms": ' + "[" * DEEP + "]" * DEEP + "}",
            "issues.json: invalid JSON: nested deeper than 64 levels"),
    Hostile("JSONL nested 100,000 deep", "issues.jsonl", '{"id": "a", "x": ' + "[" * DEEP + "]" * DEEP + "}",
            "issues.jsonl:1: invalid JSON: nested deeper than 64 levels"),
    Hostile("JSON nested 100 deep", "issues.json", '{"id": "a", "symptoms": ' + "[" * 100 + "]" * 100 + "}",
            "issues.json: symptoms[0][0]...: nested deeper than 64 levels"),
    Hostile("a profile path in data", "issues.jsonl", '{"id": "a", "profile": "/etc/triagedesk/evil.toml"}',
            "issues.jsonl:1: profile: a profile is named (letters, digits, - and _), never a path"),
    Hostile("a relative profile path", "issues.jsonl", '{"id": "a", "profile": "../x"}',
            "issues.jsonl:1: profile: a profile is named"),
]

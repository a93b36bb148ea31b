"""A profile compiled to one straight-line Python function: the queue's hot path.

The explained path (`Scorer.decide`) interprets the profile; this module writes the
same arithmetic out as source once per profile, so scoring 100k issues costs a few
microseconds each. Profile values never become code: every number, string, map and
keyword regex is passed in as a constant (`C0`, `C1`, ...); only names we generate
and operators appear in the source. A property test holds the two paths equal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from triagedesk.domain.models import URGENCY_RANK
from triagedesk.domain.scoring.facts import FACT_EXPRESSIONS, FACT_KINDS, fact_namespace, issue_text
from triagedesk.domain.scoring.keywords import Keyword, KeywordGroup, words_of
from triagedesk.domain.scoring.profiles import Condition, Part, Profile, Rule

_COMPARE = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<=", "in": "in"}


class _Writer:
    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.lines: list[str] = []
        self.consts: dict[str, Any] = {}
        self.names: dict[str, str] = {}
        self.kinds: dict[str, str] = {**FACT_KINDS, **{name: "num" for name in profile.facts}}

    def const(self, value: Any) -> str:
        name = f"C{len(self.consts)}"
        self.consts[name] = value
        return name

    def local(self, fact: str) -> str:
        if fact not in self.names:
            self.names[fact] = f"v{len(self.names)}"
        return self.names[fact]

    def emit(self, line: str) -> None:
        self.lines.append("    " + line)

    def weighted(self, parts: dict[str, Part], target: str) -> None:
        self.emit("acc = 0.0")
        for part in parts.values():
            self.part(part)
            if part.invert:
                self.emit("x = 1.0 - x")
            self.emit(f"acc += x * {self.const(float(part.weight))}")
        self.emit(f"{target} = 1.0 if acc > 1.0 else acc")

    def part(self, part: Part) -> None:
        """`x` = the part's normalised value; code specialised to the fact's kind when it is known."""
        source = self.local(part.fact)
        kind = self.kinds.get(part.fact)
        if kind == "num" and part.map is None:
            self.numeric(source, part)
        elif kind == "bool" and part.map is None:
            self.emit(f"x = 1.0 if {source} else 0.0")
        elif kind == "str" and part.map is not None:
            self.emit(f"x = {self.const(dict(part.map))}.get({source}, 0.0)")
        else:
            self.emit(f"x = {source}")
            self.emit("if x is None:")
            self.emit(f"    x = {self.const(float(part.default))}")
            if part.map is not None:
                self.emit("else:")
                self.emit(f"    x = {self.const(dict(part.map))}.get(str(x), 0.0)")
            else:
                self.emit("elif x is True or x is False:")
                self.emit("    x = 1.0 if x else 0.0")
                self.emit("elif x.__class__ is str:")
                self.emit("    x = 0.0")
                self.emit("else:")
                self.numeric("x", part, indent="    ")

    def numeric(self, source: str, part: Part, indent: str = "") -> None:
        expression = source
        if part.offset:
            expression = f"({expression} - {self.const(float(part.offset))})"
        if part.cap is not None:
            expression = f"{expression} / {self.const(float(part.cap))}"
        self.emit(f"{indent}x = {expression}")
        self.emit(f"{indent}x = 0.0 if x < 0.0 else (1.0 if x > 1.0 else x)")

    def phrase(self, item: Keyword) -> str:
        """An inline phrase check: the words are all there, then the regex confirms adjacency."""
        search = f"{self.const(item.regex.search)}(text) is not None"
        if item.needs:
            return f"({self.const(item.needs)} <= words and {search})"
        return f"({search})"

    def keywords(self, keywords: list[str]) -> str:
        group = KeywordGroup(keywords)
        terms = []
        if group.singles:
            terms.append(f"not words.isdisjoint({self.const(group.singles)})")
        terms.extend(self.phrase(item) for item in group.others)
        return "(" + " or ".join(terms) + ")"

    def keyword_count(self, keywords: list[str]) -> str:
        """How many distinct keywords occur: one set intersection for single words, then phrases."""
        if not keywords:
            return "0"
        group = KeywordGroup(keywords)
        owner = {variant: index for index, item in enumerate(group.items)
                 for variant in (item.variants or ())}
        terms = []
        if owner:
            terms.append(f"len({{{self.const(owner)}[w] for w in words.intersection({self.const(frozenset(owner))})}})")
        terms.extend(self.phrase(item) for item in group.others)
        return "(" + " + ".join(terms) + ")"

    def condition(self, cond: Condition) -> str:
        if cond.keywords is not None:
            return self.keywords(cond.keywords)
        value = self.local(cond.fact or "")
        if cond.op == "true":
            return f"bool({value})"
        if cond.op == "false":
            return f"(not {value})"
        target = cond.value
        if isinstance(target, str):
            target = target.lower()
        elif isinstance(target, list):
            target = frozenset(v.lower() if isinstance(v, str) else v for v in target)
        return f"({value} is not None and {value} {_COMPARE[cond.op]} {self.const(target)})"

    def rule(self, rule: Rule) -> str:
        joiner = " or " if rule.match == "any" else " and "
        return "(" + joiner.join(self.condition(c) for c in rule.when) + ")"


def compile_assess(
    profile: Profile,
    rules: list[Rule],
    result: type,
) -> Callable[[Any], Any]:
    """`assess(issue) -> result(urgency_rank, score, should_escalate, fired)` for one profile."""
    w = _Writer(profile)
    used = {part.fact for part in profile.score.values()}
    for parts in profile.facts.values():
        used.update(part.fact for part in parts.values())
    for rule in rules:
        used.update(c.fact for c in rule.when if c.fact is not None)
    w.emit("text = issue_text(issue)")
    w.emit("words = words_of(text)")
    w.emit("research = issue.research")
    w.emit("value = issue.estimated_value")
    for fact, expression in FACT_EXPRESSIONS.items():
        if fact == "vendors_mentioned" and fact in used:
            w.emit(f"{w.local(fact)} = {w.keyword_count(profile.vendors)}")
        elif fact in used:
            w.emit(f"{w.local(fact)} = {expression}")
    for name, parts in profile.facts.items():
        w.weighted(parts, w.local(name))
    w.weighted(profile.score, "score")
    w.emit("fired = []")
    w.emit("rank = 99")
    for index, rule in enumerate(rules):
        w.emit(f"if {w.rule(rule)}:")
        w.emit(f"    fired.append({index})")
        rank = URGENCY_RANK[rule.urgency]
        w.emit(f"    if rank > {rank}: rank = {rank}")
    w.emit("if fired:")
    w.emit("    return result(rank, score, True, tuple(fired), rank * 2 + 1.0 - score)")
    threshold = profile.escalate_above
    if threshold is not None:
        w.emit(f"if score > {w.const(float(threshold))}:")
        rank = URGENCY_RANK[profile.score_escalation_urgency]
        w.emit(f"    return result({rank}, score, True, (), {rank * 2 + 1}.0 - score)")
    low = URGENCY_RANK["low"]
    w.emit(f"return result({low}, score, False, (), {low * 2 + 1}.0 - score)")
    source = "def assess(issue):\n" + "\n".join(w.lines) + "\n"
    namespace: dict[str, Any] = {
        "issue_text": issue_text,
        "words_of": words_of,
        "result": result,
        **fact_namespace(profile),
        **w.consts,
    }
    code = compile(source, f"<profile {profile.name}>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from our own templates, data passed as constants
    assess = namespace["assess"]
    assess.__source__ = source
    return assess


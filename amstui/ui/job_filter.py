"""The `/` filter: what a user types, parsed into a predicate over jobs.

Terms are separated by spaces and all must match:
- `word`: case-insensitive substring of the name or the id;
- `/regex/`: a regular expression searched in the name or the id;
- `state:error` (or `state:processing,queued`): the state, by name or prefix; `state:active`
  and `state:final` for the groups;
- `name:text`, `id:text`, `priority:N`, `priority:>N`;
- `transform:text`: case-insensitive substring of a v3 job's transform (v2 jobs have none);
- `!term`: the opposite of the term.

A term that cannot be used (a bad regex, an unknown field or state) makes `parse_filter` raise
`FilterError` with a message: the caller keeps showing every job and says why.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from amstui.ams.model import Job, states_from_words
from amstui.monitor.filter_index import HaystackTest

MAX_FILTER = 200
_NESTED_QUANTIFIER = re.compile(r"\([^)]*[+*}][^)]*\)\s*[+*{]")


class FilterError(ValueError):
    pass


Predicate = Callable[[Job], bool]


@dataclass(frozen=True, slots=True)
class JobFilter:
    text: str
    predicate: Predicate
    #: The terms on names and ids, tested on a job's cached haystack
    #: (`amstui.monitor.filter_index`): what a pass over every job uses.
    haystack_test: HaystackTest | None = None
    #: The other terms (state, priority, regex), on the job.
    job_test: Predicate | None = None
    #: Set when the filter is just words (none negated): each must be in the name or the id.
    needles: tuple[str, ...] | None = None

    def __call__(self, job: Job) -> bool:
        return self.predicate(job)


@dataclass(frozen=True, slots=True)
class _Term:
    """One compiled term: its predicate on a job and, for a term on names and ids, the
    substring `needle` looked for `where` (any, name or id)."""

    predicate: Predicate
    needle: str | None = None
    where: str = "any"


def _states(spec: str) -> set[int]:
    try:
        wanted = {int(s) for s in states_from_words(spec)}
    except ValueError as exc:
        raise FilterError(str(exc)) from None
    if not wanted:
        raise FilterError("state: needs a state, e.g. state:error")
    return wanted


def _regex(pattern: str) -> re.Pattern[str]:
    if _NESTED_QUANTIFIER.search(pattern):
        raise FilterError("regex with nested quantifiers refused (it could hang)")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise FilterError(f"bad regex /{pattern}/: {exc}") from None


def _other(predicate: Predicate) -> _Term:
    return _Term(predicate)


def _term(term: str) -> _Term:
    if len(term) > 2 and term.startswith("/") and term.endswith("/"):
        rx = _regex(term[1:-1])
        return _other(lambda j: bool(rx.search(j.name[:1000]) or rx.search(j.id)))
    field, sep, value = term.partition(":")
    if sep and field.lower() in ("state", "name", "id", "priority", "pri", "transform"):
        field = field.lower()
        if field == "state":
            states = _states(value)
            return _other(lambda j: int(j.state) in states)
        if field == "name":
            needle = value.lower()
            return _Term(lambda j: needle in j.name.lower(), needle, "name")
        if field == "id":
            needle = value.lower()
            return _Term(lambda j: needle in j.id.lower(), needle, "id")
        if field == "transform":
            needle = value.lower()
            return _other(lambda j: j.transform is not None and needle in j.transform.lower())
        m = re.fullmatch(r"(>=|<=|>|<|=)?(-?\d+)", value.strip())
        if not m:
            raise FilterError(f"priority: needs a number, e.g. priority:>1 (got {value!r})")
        op, number = m.group(1) or "=", int(m.group(2))
        ops: dict[str, Predicate] = {
            "=": lambda j: j.priority == number,
            ">": lambda j: j.priority > number,
            "<": lambda j: j.priority < number,
            ">=": lambda j: j.priority >= number,
            "<=": lambda j: j.priority <= number,
        }
        return _other(ops[op])
    needle = term.lower()
    return _Term(lambda j: needle in j.name.lower() or needle in j.id.lower(), needle)


def _on_haystack(term: _Term, negate: bool) -> HaystackTest:
    needle = term.needle or ""
    if term.where == "name":
        if negate:
            return lambda hay, end: hay.find(needle, 0, end) < 0
        return lambda hay, end: hay.find(needle, 0, end) >= 0
    if term.where == "id":
        if negate:
            return lambda hay, end: hay.find(needle, end + 1) < 0
        return lambda hay, end: hay.find(needle, end + 1) >= 0
    if negate:
        return lambda hay, end: needle not in hay
    return lambda hay, end: needle in hay


def _haystack_test(terms: list[tuple[_Term, bool]]) -> HaystackTest | None:
    """One test of a haystack for the terms on names and ids (None if there are none)."""
    tests = [_on_haystack(t, negate) for t, negate in terms if t.needle is not None]
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda hay, end: all(test(hay, end) for test in tests)


def _job_test(terms: list[tuple[_Term, bool]]) -> Predicate | None:
    """One test of the job for the other terms (None if there are none)."""
    tests = [
        _negated(t.predicate) if negate else t.predicate for t, negate in terms if t.needle is None
    ]
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda j: all(test(j) for test in tests)


def _negated(predicate: Predicate) -> Predicate:
    return lambda j: not predicate(j)


def parse_filter(text: str) -> JobFilter | None:
    """None for an empty filter; FilterError for one that cannot be used."""
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_FILTER:
        raise FilterError(f"filter longer than {MAX_FILTER} characters")
    terms: list[tuple[_Term, bool]] = []
    for raw in text.split():
        term = raw.lstrip("!")
        if not term:
            raise FilterError("! needs a term after it, e.g. !finished")
        negate = (len(raw) - len(term)) % 2 == 1  # !!x is x again
        terms.append((_term(term), negate))
    predicates = [_negated(t.predicate) if negate else t.predicate for t, negate in terms]
    predicate = predicates[0] if len(predicates) == 1 else lambda j: all(p(j) for p in predicates)
    words = all(t.needle is not None and t.where == "any" and not neg for t, neg in terms)
    needles = tuple(t.needle or "" for t, _ in terms) if words else None
    return JobFilter(text, predicate, _haystack_test(terms), _job_test(terms), needles)

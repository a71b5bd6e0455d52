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

MAX_FILTER = 200
_NESTED_QUANTIFIER = re.compile(r"\([^)]*[+*}][^)]*\)\s*[+*{]")


class FilterError(ValueError):
    pass


Predicate = Callable[[Job], bool]


@dataclass(frozen=True, slots=True)
class JobFilter:
    text: str
    predicate: Predicate

    def __call__(self, job: Job) -> bool:
        return self.predicate(job)


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


def _term(term: str) -> Predicate:
    if len(term) > 2 and term.startswith("/") and term.endswith("/"):
        rx = _regex(term[1:-1])
        return lambda j: bool(rx.search(j.name[:1000]) or rx.search(j.id))
    field, sep, value = term.partition(":")
    if sep and field.lower() in ("state", "name", "id", "priority", "pri", "transform"):
        field = field.lower()
        if field == "state":
            states = _states(value)
            return lambda j: int(j.state) in states
        if field == "name":
            needle = value.lower()
            return lambda j: needle in j.name.lower()
        if field == "id":
            needle = value.lower()
            return lambda j: needle in j.id.lower()
        if field == "transform":
            needle = value.lower()
            return lambda j: j.transform is not None and needle in j.transform.lower()
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
        return ops[op]
    needle = term.lower()
    return lambda j: needle in j.name.lower() or needle in j.id.lower()


def parse_filter(text: str) -> JobFilter | None:
    """None for an empty filter; FilterError for one that cannot be used."""
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_FILTER:
        raise FilterError(f"filter longer than {MAX_FILTER} characters")
    predicates: list[Predicate] = []
    for raw in text.split():
        term = raw.lstrip("!")
        if not term:
            raise FilterError("! needs a term after it, e.g. !finished")
        negate = (len(raw) - len(term)) % 2 == 1  # !!x is x again
        predicate = _term(term)
        predicates.append((lambda p: lambda j: not p(j))(predicate) if negate else predicate)
    return JobFilter(text, lambda j: all(p(j) for p in predicates))

"""`$filter`, `$orderby`, `$top` and `$skiptoken` as AMS v3 answers them (ARM and MK.IO).

`$filter` (learn.microsoft.com "Filtering, ordering, and paging of Media Services entities"):

    expr    := and ("or" and)*
    and     := term ("and" term)*
    term    := "(" expr ")" | path op literal
    path    := name | properties/state | properties/created | properties/lastModified
    literal := 'text' | Microsoft.Media.JobState'Processing' | 2021-06-01T00:00:10.0000000Z

`name` takes `eq`; `properties/state` takes `eq` and `ne`; the dates take `gt ge lt le`, with
an unquoted ISO 8601 UTC literal. Paths, the enum type and its values are case-insensitive.
`$orderby` is a comma list of `name`, `properties/created`, `properties/lastModified`, each with
an optional `asc`/`desc`; `properties/state` is not orderable. Anything else is a `QueryError`,
which the routes answer with 400 `BadRequest` in the ARM error envelope.

Work is bounded: a filter is at most `MAX_FILTER_LENGTH` characters and `MAX_TERMS`
comparisons, so one request cannot hold the server for long.

Paging: the `$skiptoken` is a position key, the sort key of the last item of the page (not an
offset), so a page starts right after that item even when jobs were added or purged meanwhile.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from amstui.ams.model import JobState

MAX_FILTER_LENGTH = 2048
MAX_TERMS = 32
MAX_DEPTH = 16
MAX_TOP = 1000
STATES = {s.label.lower(): s for s in JobState if s.is_known}


class QueryError(Exception):
    """A query the service rejects with 400 BadRequest."""


@dataclass(frozen=True, slots=True)
class Field:
    """A filterable path: its kind (`name`, `state` or `date`) and how to read it from a row."""

    kind: str
    get: Callable[[Any], Any]
    orderable: bool = True


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<enum>[A-Za-z][A-Za-z0-9_.]*'[^']*')
      | (?P<string>'(?:[^']|'')*')
      | (?P<date>\d{4}-\d{2}-\d{2}(?:T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)
      | (?P<punct>[()])
      | (?P<word>[A-Za-z_][A-Za-z0-9_/]*)
    )""",
    re.VERBOSE,
)
_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})?)?"
)
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
_ALLOWED_OPS = {"name": ("eq",), "state": ("eq", "ne"), "date": ("gt", "ge", "lt", "le")}

Predicate = Callable[[Any], bool]


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].isspace():
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"Invalid $filter: unexpected character at position {pos}.")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


def parse_date(text: str) -> datetime:
    m = _DATE.fullmatch(text)
    if not m:
        raise QueryError(f"Invalid $filter: '{text[:40]}' is not an ISO 8601 date and time.")
    year, month, day, hour, minute, second, fraction, zone = m.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
            tzinfo=UTC,
        )
        if zone and zone != "Z":
            moment = datetime.fromisoformat(f"{moment.replace(tzinfo=None).isoformat()}{zone}")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise QueryError(f"Invalid $filter: '{text[:40]}' is not a valid date.") from None


class _Parser:
    def __init__(self, text: str, fields: dict[str, Field]) -> None:
        if len(text) > MAX_FILTER_LENGTH:
            raise QueryError(
                f"Invalid $filter: longer than {MAX_FILTER_LENGTH} characters is not supported."
            )
        self.tokens = _tokenize(text)
        self.pos = 0
        self.fields = fields
        self.terms = 0
        self.depth = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise QueryError("Invalid $filter: the expression ends too early.")
        self.pos += 1
        return tok

    def keyword(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok[0] == "word" and tok[1].lower() == word:
            self.pos += 1
            return True
        return False

    def parse(self) -> Predicate:
        node = self.expr()
        if self.peek() is not None:
            raise QueryError(f"Invalid $filter: unexpected '{self.peek()[1][:40]}'.")  # type: ignore[index]
        return node

    def expr(self) -> Predicate:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(f"Invalid $filter: nesting deeper than {MAX_DEPTH} levels.")
        parts = [self.and_()]
        while self.keyword("or"):
            parts.append(self.and_())
        self.depth -= 1
        if len(parts) == 1:
            return parts[0]
        return lambda row: any(p(row) for p in parts)

    def and_(self) -> Predicate:
        parts = [self.term()]
        while self.keyword("and"):
            parts.append(self.term())
        if len(parts) == 1:
            return parts[0]
        return lambda row: all(p(row) for p in parts)

    def term(self) -> Predicate:
        kind, text = self.take()
        if kind == "punct" and text == "(":
            node = self.expr()
            closing = self.take()
            if closing != ("punct", ")"):
                raise QueryError("Invalid $filter: ')' expected.")
            return node
        if kind != "word":
            raise QueryError(f"Invalid $filter: a property is expected, not '{text[:40]}'.")
        field = self.fields.get(text.lower())
        if field is None:
            raise QueryError(
                f"Invalid $filter: filtering on '{text[:60]}' is not supported "
                f"(supported: {', '.join(sorted(self.fields))})."
            )
        op_kind, op = self.take()
        op = op.lower()
        if op_kind != "word" or op not in _OPS:
            raise QueryError(f"Invalid $filter: an operator is expected after '{text[:60]}'.")
        if op not in _ALLOWED_OPS[field.kind]:
            raise QueryError(
                f"Invalid $filter: operator '{op}' is not supported on '{text[:60]}' "
                f"(supported: {', '.join(_ALLOWED_OPS[field.kind])})."
            )
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(f"Invalid $filter: more than {MAX_TERMS} comparisons.")
        value = self.literal(field.kind)
        compare, get = _OPS[op], field.get
        return lambda row: compare(get(row), value)

    def literal(self, kind: str) -> Any:
        tok_kind, text = self.take()
        if kind == "name":
            if tok_kind != "string":
                raise QueryError("Invalid $filter: name is compared with a quoted string.")
            return text[1:-1].replace("''", "'").lower()
        if kind == "state":
            prefix, _, rest = text.partition("'")
            if tok_kind != "enum" or prefix.lower() != "microsoft.media.jobstate":
                raise QueryError(
                    "Invalid $filter: properties/state is compared with "
                    "Microsoft.Media.JobState'<state>'."
                )
            state = STATES.get(rest[:-1].lower())
            if state is None:
                raise QueryError(
                    f"Invalid $filter: '{rest[:-1][:40]}' is not a JobState "
                    f"({', '.join(s.label for s in STATES.values())})."
                )
            return state
        if tok_kind != "date":
            raise QueryError("Invalid $filter: dates are unquoted ISO 8601 values.")
        return parse_date(text)


def compile_filter(text: str, fields: dict[str, Field]) -> Predicate:
    return _Parser(text, fields).parse()


@dataclass(frozen=True, slots=True)
class Order:
    """A normalised `$orderby`: ((path, descending), ...), ending with the unique name."""

    keys: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return ",".join(f"{p} {'desc' if d else 'asc'}" for p, d in self.keys)


def compile_orderby(text: str | None, fields: dict[str, Field]) -> Order:
    if text is None or not text.strip():
        return Order((("name", False),))
    if len(text) > 200:
        raise QueryError("Invalid $orderby: too long.")
    keys: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not 1 <= len(words) <= 2:
            raise QueryError(f"Invalid $orderby: '{part.strip()[:60]}'.")
        path = words[0].lower()
        field = fields.get(path)
        if field is None or not field.orderable:
            raise QueryError(
                f"Invalid $orderby: ordering by '{words[0][:60]}' is not supported "
                f"(supported: {', '.join(p for p, f in fields.items() if f.orderable)})."
            )
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise QueryError(f"Invalid $orderby: '{words[1][:20]}' is not asc or desc.")
        if any(p == path for p, _ in keys):
            raise QueryError(f"Invalid $orderby: '{words[0][:60]}' appears twice.")
        keys.append((path, direction == "desc"))
    if not any(p == "name" for p, _ in keys):
        keys.append(("name", False))
    return Order(tuple(keys))


def _neg_text(text: str) -> tuple[int, ...]:
    """A key that sorts strings in descending order when sorted ascending."""
    return (*(-ord(c) for c in text), 1)


def sort_key(
    order: Order, fields: dict[str, Field], tiebreak: Callable[[Any], str]
) -> Callable[[Any], tuple[Any, ...]]:
    """An ascending sort key for `order` (descending parts negated), unique by `tiebreak`."""
    parts = [(fields[path].kind, fields[path].get, desc) for path, desc in order.keys]

    def key(row: Any) -> tuple[Any, ...]:
        out: list[Any] = []
        for kind, get, desc in parts:
            value = get(row)
            if kind == "date":
                stamp = value.timestamp()
                out.append(-stamp if desc else stamp)
            else:
                out.append(_neg_text(value) if desc else value)
        out.append(tiebreak(row))
        return tuple(out)

    return key


def encode_position(order: Order, row_key: tuple[Any, ...]) -> str:
    """The `$skiptoken` after a row: its sort key, readable by `decode_position` only."""
    plain = [list(v) if isinstance(v, tuple) else v for v in row_key]
    data = json.dumps([order.text, plain], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode_position(token: str, order: Order) -> tuple[Any, ...]:
    if len(token) > 8192:
        raise QueryError("Invalid $skiptoken.")
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        text, plain = json.loads(data)
    except (ValueError, binascii.Error, TypeError, RecursionError):
        raise QueryError("Invalid $skiptoken.") from None
    if text != order.text or not isinstance(plain, list) or len(plain) != len(order.keys) + 1:
        raise QueryError("Invalid $skiptoken: it belongs to another query.")
    key: list[Any] = []
    for value in plain:
        if isinstance(value, list):
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                raise QueryError("Invalid $skiptoken.")
            key.append(tuple(value))
        elif isinstance(value, (str, float, int)) and not isinstance(value, bool):
            key.append(value)
        else:
            raise QueryError("Invalid $skiptoken.")
    return tuple(key)


def page_after(
    rows: Sequence[Any],
    key: Callable[[Any], tuple[Any, ...]],
    position: tuple[Any, ...] | None,
    size: int,
) -> tuple[list[Any], tuple[Any, ...] | None]:
    """The page after `position` in `rows` sorted by `key`, and the position after it (None
    when nothing follows)."""
    keyed = sorted(((key(r), i, r) for i, r in enumerate(rows)), key=lambda t: t[:2])
    keys = [k for k, _, _ in keyed]
    start = 0
    if position is not None:
        try:
            start = bisect_right(keys, position)
        except TypeError:
            raise QueryError("Invalid $skiptoken: it belongs to another query.") from None
    chunk = keyed[start : start + size]
    more = start + size < len(keyed)
    return [r for _, _, r in chunk], (chunk[-1][0] if more and chunk else None)


def parse_top(value: str | None) -> int | None:
    """`$top`: ASCII digits only, 1 to `MAX_TOP`."""
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,6}", value) or not 1 <= int(value) <= MAX_TOP:
        raise QueryError(f"Invalid $top: a whole number from 1 to {MAX_TOP} is expected.")
    return int(value)

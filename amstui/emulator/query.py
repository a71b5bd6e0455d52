"""OData v3 system query options as the emulator answers them: `$filter`, `$orderby`, `$top`,
`$skip`, `$select` (and `$expand`, refused as AMS did).

`$filter` grammar (a subset of OData v3, enough for every query AMS clients were seen to send):

    expr    := or
    or      := and ("or" and)*
    and     := unary ("and" unary)*
    unary   := "not" unary | compare
    compare := value (("eq"|"ne"|"gt"|"ge"|"lt"|"le") value)?
    value   := "(" expr ")" | literal | property | func "(" expr ("," expr)* ")"
    literal := 'text' (quote doubled) | integer | decimal | datetime'...' | null | true | false
    func    := startswith | endswith | substringof | length | tolower | toupper | year

Any problem raises `QueryError` with a message in the style of WCF Data Services; the app turns
it into a 400 with the OData error body. Parsing is bounded (length and nesting), so no input
can exhaust the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MAX_FILTER_LENGTH = 4096
MAX_DEPTH = 40
#: Comparisons and function calls in one $filter: bounds the work per row, so one filter over
#: 100,000 jobs cannot hold the server for seconds.
MAX_TERMS = 32
#: $skip and $top: ASCII digits, at most this many.
MAX_COUNT_DIGITS = 9
PAGE_CAP = 1000


class QueryError(Exception):
    """A query the service rejects with 400."""


Getter = Callable[[Any], Any]
Row = Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<datetime>datetime'[^']*')
      | (?P<string>'(?:[^']|'')*')
      | (?P<number>-?\d+(?:\.\d+)?(?:[mMdDlLfF])?)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_./]*)
    )""",
    re.VERBOSE,
)
_COMPARISONS = ("eq", "ne", "gt", "ge", "lt", "le")


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise QueryError(f"Syntax error at position {pos} in '{text}'.")
        kind = m.lastgroup or ""
        tokens.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    return tokens


def _parse_datetime_literal(text: str) -> datetime:
    body = text[len("datetime'") : -1]
    m = re.fullmatch(
        r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z)?", body
    )
    if not m:
        raise QueryError(f"Unrecognized 'Edm.DateTime' literal '{text}'.")
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    try:
        return datetime(
            int(m.group(1)),
            int(m.group(2)),
            int(m.group(3)),
            int(m.group(4)),
            int(m.group(5)),
            int(m.group(6) or 0),
            int(frac),
            tzinfo=UTC,
        )
    except ValueError:
        raise QueryError(f"Unrecognized 'Edm.DateTime' literal '{text}'.") from None


# Expression nodes are (type, evaluator). Types: "string", "int", "double", "datetime",
# "bool", "null".
_Node = tuple[str, Callable[[Row], Any]]


class _Parser:
    def __init__(self, text: str, props: dict[str, tuple[str, Getter]], entity: str) -> None:
        if len(text) > MAX_FILTER_LENGTH:
            raise QueryError("The $filter expression is too long.")
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.props = props
        self.entity = entity
        self.depth = 0
        self.terms = 0

    def peek(self) -> _Tok | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise QueryError(f"Expression expected at position {len(self.text)} in '{self.text}'.")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise QueryError(f"'{text}' expected at position {tok.pos} in '{self.text}'.")

    def word_is(self, word: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.text == word

    def parse(self) -> Callable[[Row], bool]:
        kind, fn = self.expr()
        if self.peek() is not None:
            tok = self.peek()
            assert tok is not None
            raise QueryError(f"Syntax error at position {tok.pos} in '{self.text}'.")
        if kind not in ("bool",):
            raise QueryError("Expression of type 'Edm.Boolean' expected for $filter.")
        return lambda row: fn(row) is True

    def count_term(self) -> None:
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise QueryError(
                f"The $filter expression has more than {MAX_TERMS} comparisons and function calls."
            )

    def nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError("The $filter expression is nested too deeply.")

    def expr(self) -> _Node:
        self.nested()
        node = self.or_()
        self.depth -= 1
        return node

    def or_(self) -> _Node:
        left = self.and_()
        while self.word_is("or"):
            self.take()
            right = self.and_()
            left = self._logical(left, right, "or")
        return left

    def and_(self) -> _Node:
        left = self.unary()
        while self.word_is("and"):
            self.take()
            right = self.unary()
            left = self._logical(left, right, "and")
        return left

    def _logical(self, left: _Node, right: _Node, op: str) -> _Node:
        if left[0] != "bool" or right[0] != "bool":
            raise QueryError(f"Operator '{op}' incompatible with operand types.")
        lf, rf = left[1], right[1]
        if op == "and":
            return "bool", lambda r: bool(lf(r)) and bool(rf(r))
        return "bool", lambda r: bool(lf(r)) or bool(rf(r))

    def unary(self) -> _Node:
        if self.word_is("not"):
            self.take()
            self.nested()
            kind, fn = self.unary()
            self.depth -= 1
            if kind != "bool":
                raise QueryError("Operator 'not' incompatible with operand type.")
            return "bool", lambda r: not fn(r)
        return self.compare()

    def compare(self) -> _Node:
        left = self.value()
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.text in _COMPARISONS:
            self.take()
            self.count_term()
            right = self.value()
            return _comparison(tok.text, left, right)
        return left

    def value(self) -> _Node:
        tok = self.take()
        if tok.text == "(":
            node = self.expr()
            self.expect(")")
            return node
        if tok.kind == "string":
            text = tok.text[1:-1].replace("''", "'")
            return "string", lambda r: text
        if tok.kind == "datetime":
            moment = _parse_datetime_literal(tok.text)
            return "datetime", lambda r: moment
        if tok.kind == "number":
            raw = tok.text.rstrip("mMdDlLfF")
            if "." in raw or tok.text[-1:] in "mMdDfF":
                dnum = float(raw)
                return "double", lambda r: dnum
            inum = int(raw)
            if abs(inum) > 2**63:
                raise QueryError(f"Integer literal out of range: '{tok.text}'.")
            return "int", lambda r: inum
        if tok.kind == "word":
            if tok.text == "null":
                return "null", lambda r: None
            if tok.text in ("true", "false"):
                flag = tok.text == "true"
                return "bool", lambda r: flag
            nxt = self.peek()
            if nxt is not None and nxt.text == "(":
                return self.function(tok)
            if tok.text in self.props:
                kind, getter = self.props[tok.text]
                return kind, getter
            raise QueryError(
                f"No property '{tok.text}' exists in type "
                f"'Microsoft.Cloud.Media.Vod.Rest.Data.Models.{self.entity}' at position {tok.pos}."
            )
        raise QueryError(f"Syntax error at position {tok.pos} in '{self.text}'.")

    def function(self, name_tok: _Tok) -> _Node:
        self.count_term()
        self.expect("(")
        args: list[_Node] = []
        if self.peek() is not None and self.peek().text != ")":  # type: ignore[union-attr]
            args.append(self.expr())
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.take()
                args.append(self.expr())
        self.expect(")")
        return _function(name_tok, args)


def _function(tok: _Tok, args: list[_Node]) -> _Node:
    name = tok.text

    def need(count: int, *kinds: str) -> None:
        if len(args) != count:
            raise QueryError(
                f"No function signature for the function with name '{name}' "
                f"matches the specified arguments."
            )
        for (kind, _), want in zip(args, kinds, strict=False):
            if kind not in (want, "null"):
                raise QueryError(
                    f"No function signature for the function with name '{name}' "
                    f"matches the specified arguments."
                )

    if name in ("startswith", "endswith", "substringof"):
        need(2, "string", "string")
        a, b = args[0][1], args[1][1]
        if name == "startswith":
            return "bool", lambda r: _str2(a(r), b(r), str.startswith)
        if name == "endswith":
            return "bool", lambda r: _str2(a(r), b(r), str.endswith)
        return "bool", lambda r: _str2(b(r), a(r), str.__contains__)
    if name == "length":
        need(1, "string")
        f = args[0][1]
        return "int", lambda r: None if f(r) is None else len(f(r))
    if name in ("tolower", "toupper"):
        need(1, "string")
        f = args[0][1]
        conv = str.lower if name == "tolower" else str.upper
        return "string", lambda r: None if f(r) is None else conv(f(r))
    if name in ("year", "month", "day", "hour", "minute", "second"):
        need(1, "datetime")
        f = args[0][1]
        return "int", lambda r: None if f(r) is None else getattr(f(r), name)
    raise QueryError(f"Unknown function '{name}' at position {tok.pos}.")


def _str2(a: Any, b: Any, op: Callable[[str, str], bool]) -> bool:
    if a is None or b is None:
        return False
    return op(a, b)


_NUMERIC = ("int", "double")


def _comparison(op: str, left: _Node, right: _Node) -> _Node:
    lk, lf = left
    rk, rf = right
    compatible = lk == rk or "null" in (lk, rk) or (lk in _NUMERIC and rk in _NUMERIC)
    if not compatible:
        raise QueryError(
            f"Operator '{op}' incompatible with operand types '{_edm(lk)}' and '{_edm(rk)}'."
        )
    if op in ("gt", "ge", "lt", "le") and "bool" in (lk, rk):
        raise QueryError(f"Operator '{op}' incompatible with operand type 'Edm.Boolean'.")

    def evaluate(row: Row) -> bool:
        a, b = lf(row), rf(row)
        if op == "eq":
            return bool(a == b)
        if op == "ne":
            return bool(a != b)
        if a is None or b is None:
            return False
        if op == "gt":
            return bool(a > b)
        if op == "ge":
            return bool(a >= b)
        if op == "lt":
            return bool(a < b)
        return bool(a <= b)

    return "bool", evaluate


def _edm(kind: str) -> str:
    return {
        "string": "System.String",
        "int": "System.Int32",
        "double": "System.Double",
        "datetime": "System.DateTime",
        "bool": "System.Boolean",
        "null": "null",
    }.get(kind, kind)


def compile_filter(
    text: str, props: dict[str, tuple[str, Getter]], entity: str
) -> Callable[[Row], bool]:
    if not text.strip():
        raise QueryError("The $filter expression is empty.")
    return _Parser(text, props, entity).parse()


def compile_orderby(
    text: str, props: dict[str, tuple[str, Getter]], entity: str
) -> list[tuple[Getter, bool]]:
    keys: list[tuple[Getter, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise QueryError(f"Syntax error in $orderby: '{text}'.")
        name = words[0]
        if name not in props:
            raise QueryError(
                f"No property '{name}' exists in type "
                f"'Microsoft.Cloud.Media.Vod.Rest.Data.Models.{entity}'."
            )
        keys.append((props[name][1], len(words) == 2 and words[1] == "desc"))
    return keys


def sort_rows(rows: list[Row], keys: Sequence[tuple[Getter, bool]]) -> list[Row]:
    """Stable multi-key sort; nulls sort first, as in SQL Server (AMS's store)."""
    for getter, desc in reversed(keys):
        rows.sort(key=_keyer(getter), reverse=desc)
    return rows


def _keyer(getter: Getter) -> Callable[[Row], tuple[bool, Any]]:
    def key(row: Row) -> tuple[bool, Any]:
        value = getter(row)
        return (value is not None, "" if value is None else value)

    return key


def parse_count(name: str, value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    # ASCII digits only (str.isdigit() accepts '²'), and few enough for int() to be cheap.
    if not re.fullmatch(f"[0-9]{{1,{MAX_COUNT_DIGITS}}}", text):
        raise QueryError(
            f"Invalid value for the {name} query option: '{value[:40]}'. "
            f"A non-negative integer of at most {MAX_COUNT_DIGITS} digits is expected."
        )
    return int(text)


def parse_select(text: str | None, allowed: Sequence[str], entity: str) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",")]
    if names == ["*"]:
        return None
    for name in names:
        if name not in allowed:
            raise QueryError(
                f"No property '{name}' exists in type "
                f"'Microsoft.Cloud.Media.Vod.Rest.Data.Models.{entity}'."
            )
    # Keep the entity's own property order, as WCF did.
    return [n for n in allowed if n in names]

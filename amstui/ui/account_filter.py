"""`account:NAME` terms of the `/` filter, for a table of several accounts.

The terms are taken out of the filter text before the rest is parsed (`job_filter`): they
filter row keys, not jobs. `account:prod` (or a prefix, `account:pr`; several with commas,
`account:prod,dr`) keeps the rows of those accounts; `!account:prod` hides them. A name that
matches no account is a `FilterError` naming the accounts there are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from amstui.monitor.accounts import row_key
from amstui.monitor.job_view import RowPrefixes
from amstui.ui.job_filter import FilterError

KeyFilter = Callable[[str], bool]


def _is_account_term(raw: str) -> bool:
    return raw.lstrip("!").lower().startswith("account:")


def _names(spec: str, accounts: Sequence[str]) -> set[str]:
    wanted: set[str] = set()
    for word in filter(None, spec.split(",")):
        low = word.lower()
        exact = [a for a in accounts if a.lower() == low]
        found = exact or [a for a in accounts if a.lower().startswith(low)]
        if not found:
            raise FilterError(f"account:{word}: no such account ({', '.join(accounts)})")
        wanted.update(found)
    if not wanted:
        raise FilterError(
            "account: needs a name, e.g. account:" + (accounts[0] if accounts else "")
        )
    return wanted


def split_account_terms(text: str, accounts: Sequence[str]) -> tuple[KeyFilter | None, str]:
    """(a filter on row keys or None, the rest of the text for `parse_filter`)."""
    keep: list[str] = []
    tests: list[tuple[set[str], bool]] = []
    for raw in text.split():
        if not _is_account_term(raw):
            keep.append(raw)
            continue
        term = raw.lstrip("!")
        negate = (len(raw) - len(term)) % 2 == 1
        tests.append((_names(term.partition(":")[2], accounts), negate))
    rest = " ".join(keep)
    if not tests:
        return None, rest
    # The terms come down to the accounts kept, tested on the row key's start: one C call
    # per row (a filter pass over 90,000 rows takes milliseconds, not half a second).
    kept = [a for a in accounts if all((a in names) != negate for names, negate in tests)]
    return RowPrefixes(tuple(row_key(a, "") for a in kept)), rest


def with_account(text: str, account: str | None) -> str:
    """`text` with its `account:` terms replaced by `account:ACCOUNT` (None: removed)."""
    words = [w for w in text.split() if not _is_account_term(w)]
    if account is not None:
        words.insert(0, f"account:{account}")
    return " ".join(words)

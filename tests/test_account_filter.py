"""`account:` terms of the filter over several accounts (`amstui.ui.account_filter`)."""

from __future__ import annotations

import pytest

from amstui.monitor.accounts import row_key
from amstui.ui.account_filter import split_account_terms, with_account
from amstui.ui.job_filter import FilterError

ACCOUNTS = ["prod", "prod-eu", "dr", "rms"]


def kept(text: str) -> set[str]:
    key_filter, _ = split_account_terms(text, ACCOUNTS)
    assert key_filter is not None
    return {a for a in ACCOUNTS if key_filter(row_key(a, "nb:jid:UUID:1"))}


def test_names_prefixes_lists_and_negation() -> None:
    assert kept("account:prod") == {"prod"}  # an exact name wins over the prefix
    assert kept("account:pr") == {"prod", "prod-eu"}
    assert kept("account:dr,rms") == {"dr", "rms"}
    assert kept("!account:rms") == {"prod", "prod-eu", "dr"}
    assert kept("account:pr !account:prod-eu") == {"prod"}
    assert kept("!!account:DR") == {"dr"}
    assert kept("account:dr account:rms") == set()


def test_the_rest_of_the_text_is_left_for_the_job_filter() -> None:
    key_filter, rest = split_account_terms("state:error account:dr  hero", ACCOUNTS)
    assert key_filter is not None and rest == "state:error hero"
    assert split_account_terms("hero", ACCOUNTS) == (None, "hero")
    assert with_account("hero account:dr", "rms") == "account:rms hero"
    assert with_account("hero account:dr", None) == "hero"


def test_an_unknown_account_is_an_error_naming_the_accounts() -> None:
    with pytest.raises(FilterError, match="no such account"):
        split_account_terms("account:nope", ACCOUNTS)


def test_the_kept_accounts_over_many_rows() -> None:
    key_filter, _ = split_account_terms("account:dr,rms !account:rms", ACCOUNTS)
    assert key_filter is not None
    keys = [row_key(ACCOUNTS[i % 4], f"nb:jid:UUID:{i:036d}") for i in range(90_000)]
    # A job id holding another account's name never passes for that account.
    assert not key_filter(row_key("prod", "dr\x1fx"))
    shown = [k for k in keys if key_filter(k)]
    assert len(shown) == 90_000 // 4 and all(k.startswith("dr\x1f") for k in shown)

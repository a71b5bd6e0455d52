"""Control and hiding characters become visible escapes; ordinary text is untouched."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from amstui.monitor.inert_text import inert


def test_terminal_escapes_are_shown_not_obeyed() -> None:
    name = "Ep\x1b]52;c;Zm9v\x07 \x1b]0;title\x07\x1b[2J\x9b31m"
    assert inert(name) == "Ep\\x1b]52;c;Zm9v\\x07 \\x1b]0;title\\x07\\x1b[2J\\x9b31m"


def test_newlines_and_bidi_overrides() -> None:
    assert inert("a\nb\tc\rd") == "a\\nb\\tc\\rd"
    assert inert("a\nb\tc\rd", keep_lines=True) == "a\nb\tc\\rd"
    assert inert("invoice\u202egpj.exe\u200b") == "invoice\\u202egpj.exe\\u200b"


def test_ordinary_text_is_unchanged() -> None:
    text = "[prod] encode [/] Ep.1 – Ünïcödé ✔ 日本語 ' \" \\"
    assert inert(text) == text


@given(st.text())
def test_no_control_character_survives(text: str) -> None:
    out = inert(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in out)
    assert "\u202e" not in out and "\u2028" not in out
    kept = inert(text, keep_lines=True)
    assert all(c in "\n\t" for c in kept if ord(c) < 0x20)

"""Service text as markup: what `plain_markup` and `styled` write renders exactly the text."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.text import Text

from amstui.monitor.inert_text import inert
from amstui.ui.cells import plain_markup, styled

#: Text made of what markup is made of, so that tag-like runs, escapes and brackets meet.
markupish = st.text(alphabet=st.sampled_from(list("[]\\/ab#@=: ")), max_size=24) | st.text()


@settings(max_examples=400, deadline=None)
@given(text=markupish)
@example(text=":\\[")  # CI found it: a backslash before a `[` that is not a tag was dropped
@example(text="\\[bold]")
@example(text="x\\")
def test_markup_of_any_text_renders_that_text(text: str) -> None:
    text = inert(text)  # service text is made inert first (controls shown as escapes)
    assert Text.from_markup(plain_markup(text), emoji=False).plain == text
    shown = Text.from_markup(styled(text, "bold red"), emoji=False)
    assert shown.plain == text
    if text:
        assert all(span.style == "bold red" for span in shown.spans)  # no tag of the text's own


@settings(max_examples=400, deadline=None)
@given(text=markupish)
@example(text="a\\[b")
def test_textual_markup_of_any_text_renders_that_text(text: str) -> None:
    from textual.markup import to_content

    from amstui.ui.commands import textual_plain

    text = inert(text)
    assert to_content(textual_plain(text)).plain == text

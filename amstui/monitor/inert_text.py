"""Service and user text made inert for a terminal: control characters shown, never obeyed.

Anyone who can submit a job can set its name, and a name holding `ESC ]52;…BEL` (a clipboard
write), `ESC ]0;…BEL` (a window title) or `ESC [2J` (clear screen) must not reach a terminal
raw. Every string from the service or the user (names, ids, error messages, events, filter
text, exception text) goes through `inert` before it is written to a terminal by a headless
command or drawn by the monitor. Markup is a separate concern: the monitor also shows these
strings as plain text, never as markup. JSON output needs neither: `json.dumps` escapes
control characters itself.

Replaced: C0 controls (U+0000–U+001F) except those kept on request, DEL (U+007F), C1 controls
(U+0080–U+009F), and the Unicode format characters that reorder or hide text (bidi embeddings,
overrides and isolates, line and paragraph separators, zero-width joiners, the BOM). Each
becomes a visible escape as Python writes it (`\\x1b`, `\\n`, `\\u202e`), so the text stays readable
and unambiguous.
"""

from __future__ import annotations

import re

_FORMAT = "\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
_PATTERN = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}]")
_KEEP_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}]")
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, keep_lines: bool = False) -> str:
    """`text` with every control and hiding character replaced by a visible escape.

    With `keep_lines`, newline and tab stay as they are (multi-line fields in the detail pane
    and `show`); everything else is still escaped, carriage return included.
    """
    pattern = _KEEP_LINES if keep_lines else _PATTERN
    return pattern.sub(_escape, text)

"""Command palette provider: jump to a job by name or id, and the app's actions."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from amstui.monitor.inert_text import inert
from amstui.ui.cells import short_id

if TYPE_CHECKING:
    from amstui.ui.app import AmstuiApp

MAX_JOB_HITS = 30


class JobCommands(Provider):
    @property
    def _app(self) -> AmstuiApp:
        return self.app  # type: ignore[return-value]

    def _actions(self) -> list[tuple[str, str, str]]:
        actions = [
            ("Refresh now", "refresh", "Run a refresh cycle now"),
            ("Pause / resume refreshing", "pause", "Stop or restart the background refresh"),
            ("Show all jobs", "quick_filter('')", "Clear the filter"),
            ("Show failed jobs", "quick_filter('state:error')", "Filter: state:error"),
            ("Show active jobs", "quick_filter('state:active')", "Filter: state:active"),
            ("Sort by next column", "next_sort", "Cycle the sort column"),
            ("Cancel the selected job", "cancel_job", "Asks for confirmation"),
            ("Copy the selected job id", "copy_id", "OSC 52 clipboard"),
        ]
        if self._app.options.readonly:  # canceling is disabled: not offered
            actions = [a for a in actions if a[1] != "cancel_job"]
        return actions

    async def discover(self) -> Hits:
        for title, action, help_text in self._actions():
            yield DiscoveryHit(title, partial(self._app.run_action, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, action, help_text in self._actions():
            score = matcher.match(title)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(title),
                    partial(self._app.run_action, action),
                    help=help_text,
                )
        hits = 0
        for job_id, entry in list(self._app.store.entries.items()):
            text = inert(f"Jump to {entry.job.name} ({short_id(entry.job.id)})")
            score = matcher.match(f"{entry.job.name} {job_id}")
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(self._app.jump_to, job_id),
                    help=textual_plain(inert(f"{entry.job.state.label} · {job_id}")),
                )
                hits += 1
                if hits >= MAX_JOB_HITS:
                    break


def textual_plain(text: str) -> str:
    """`text` as Textual markup that renders exactly `text`. Textual's parser takes every
    backslash-bracket for a bracket and every other backslash as itself, so each `[` gets a
    backslash (`textual.markup.escape` only escapes tag-like runs: `a\\[b` would lose its
    backslash)."""
    return text.replace("[", "\\[")

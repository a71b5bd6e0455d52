"""The v3 refresh plan: which transforms a cycle lists, and how fast to go when reads run low.

AMS v3 on ARM has no account-wide job list (see DESIGN.md, the v3 cost model), so each cycle
lists jobs per transform. To keep that near the minimum:
- the transform list is read on the first cycle and again every `TRANSFORMS_EVERY` cycles
  (unless the account names its transforms: those are never re-listed);
- a transform with an active job is listed every cycle; one without is listed every
  `IDLE_EVERY`-th cycle (staggered by its position, so the idle ones do not all come due on
  the same cycle): its new jobs still show within `IDLE_EVERY` intervals, because its
  discovery window reaches back to the last time it was listed;
- ARM says how many reads are left (`x-ms-ratelimit-remaining-subscription-reads`): below
  `LOW_READS_SHARE` of the most it was seen to report, the interval is stretched by
  `STRETCH` until the reads recover.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

TRANSFORMS_EVERY = 10
IDLE_EVERY = 3
LOW_READS_SHARE = 0.10
STRETCH = 4.0


@dataclass
class TransformSchedule:
    """Which transforms each cycle lists (ARM-shaped v3 backends)."""

    #: Transforms the account is configured to watch (empty: every transform, listed).
    fixed: tuple[str, ...] = ()
    #: The account's transforms as last listed (None until listed).
    listed: tuple[str, ...] | None = None
    #: Discovery cycles planned so far (the first is cycle 0).
    cycle: int = 0
    #: Service time at which each transform was last listed.
    last_listed: dict[str, datetime] = field(default_factory=dict)

    def needs_transform_list(self) -> bool:
        if self.fixed:
            return False
        return self.listed is None or self.cycle % TRANSFORMS_EVERY == 0

    def set_transforms(self, names: Iterable[str]) -> None:
        self.listed = tuple(dict.fromkeys(names))

    @property
    def transforms(self) -> tuple[str, ...]:
        return self.fixed or self.listed or ()

    def due(self, active: Iterable[str | None], *, everything: bool = False) -> tuple[str, ...]:
        """The transforms to list this cycle: those with an active job, and the idle ones
        whose turn it is (all of them when `everything`: the first load)."""
        if everything:
            return self.transforms
        busy = {name.lower() for name in active if name}
        return tuple(
            name
            for index, name in enumerate(self.transforms)
            if name.lower() in busy or (self.cycle + index) % IDLE_EVERY == 0
        )

    def window_start(self, due: Iterable[str], newest_seen: datetime) -> datetime:
        """Jobs created after this are asked for: since the newest job seen, or since the
        oldest last listing of a due transform (an idle transform was not looked at for a
        few cycles), whichever is earlier."""
        starts = [self.last_listed[name] for name in due if name in self.last_listed]
        return min([newest_seen, *starts])

    def listed_at(self, due: Iterable[str], moment: datetime) -> None:
        for name in due:
            self.last_listed[name] = moment

    def next_cycle(self) -> None:
        self.cycle += 1


@dataclass
class ReadsGauge:
    """How many reads the service says are left, against the most it was seen to report."""

    most: int = 0
    left: int | None = None

    def observe(self, remaining: int | None) -> None:
        if remaining is None:
            return
        self.left = remaining
        self.most = max(self.most, remaining)

    @property
    def low(self) -> bool:
        return self.left is not None and self.most > 0 and self.left < LOW_READS_SHARE * self.most

    def interval(self, base: float) -> float:
        return base * STRETCH if self.low else base

    def status(self, base: float) -> str:
        """The header's words while stretched; '' otherwise."""
        if not self.low:
            return ""
        return (
            f"service reads low ({self.left} of {self.most} left): "
            f"refreshing every {self.interval(base):g}s"
        )

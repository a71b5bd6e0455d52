"""The backend interface the monitor and the UI use: list jobs, get a job with its tasks, cancel.

AMS v2 (`AmsV2Client`) and AMS v3 (`AmsV3Client`: ARM and MK.IO) implement it, so `monitor`
and `ui` do not know which one they talk to. On v3 a job's outputs are its tasks and job ids
are `TRANSFORM/JOB`. Every call returns `Fetched`: the parsed value plus the exchange
records of the HTTP requests it took.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from amstui.ams.exchange import Exchange
from amstui.ams.model import Job, JobState, Task

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    value: T
    exchanges: tuple[Exchange, ...]
    #: Exchanges of this call not kept (a long listing keeps only its last ones).
    omitted: int = 0

    @property
    def exchange(self) -> Exchange | None:
        return self.exchanges[-1] if self.exchanges else None

    @property
    def requests(self) -> int:
        """How many HTTP requests the call took."""
        return len(self.exchanges) + self.omitted


@dataclass(frozen=True, slots=True)
class JobQuery:
    """Which jobs to list, independent of the wire protocol.

    `states` and `created_after` are combined with AND, or with OR when `either` is set (the
    monitor's discovery query: every active job, plus every job created since the last look).
    """

    states: tuple[JobState, ...] = ()
    created_after: datetime | None = None
    either: bool = False
    name_startswith: str | None = None
    #: Only these jobs (combined with AND); backends split long lists into several requests.
    ids: tuple[str, ...] = ()
    newest_first: bool = True
    limit: int | None = None
    #: v3 only: list these transforms (default: the account's configured list, or all).
    transforms: tuple[str, ...] = ()


#: Told each page of a listing's jobs as it is read (the listing goes on meanwhile).
PageListener = Callable[[Sequence[Job]], None]


class JobsBackend(Protocol):
    @property
    def endpoint(self) -> str: ...

    async def list_jobs(
        self, query: JobQuery, on_page: PageListener | None = None
    ) -> Fetched[list[Job]]: ...

    async def get_job(self, job_id: str) -> Fetched[Job]: ...

    async def get_tasks(self, job_id: str) -> Fetched[tuple[Task, ...]]: ...

    async def get_job_with_tasks(self, job_id: str) -> Fetched[Job]: ...

    async def cancel_job(self, job_id: str) -> Fetched[None]: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ListingTraits:
    """What a backend's job listings carry and how they are cut, declared by the backend (a
    `listing_traits` attribute) so that the engine plans its requests without knowing classes.

    - `carries_progress`: every listed job comes with its units of work and their progress
      (v3 outputs), so no per-job request is needed for progress;
    - `per_transform`: jobs are listed per transform (ARM), so a cycle lists each transform;
      such a backend also has `list_transforms()`;
    - `fixed_transforms`: the transforms the account is configured to watch (never re-listed).
    """

    carries_progress: bool = False
    per_transform: bool = False
    fixed_transforms: tuple[str, ...] = ()


class TransformLister(Protocol):
    async def list_transforms(self) -> Fetched[list[str]]: ...


def listing_traits(backend: Any) -> ListingTraits:
    """The backend's declared traits; a backend that declares none lists like AMS v2."""
    traits = getattr(backend, "listing_traits", None)
    return traits if isinstance(traits, ListingTraits) else ListingTraits()


def reads_remaining(backend: Any) -> int | None:
    """The service's last `x-ms-ratelimit-remaining-subscription-reads`, if it reports one."""
    value = getattr(backend, "reads_remaining", None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None

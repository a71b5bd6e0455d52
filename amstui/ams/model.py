"""The AMS v2 job model: immutable jobs and tasks with their timing fields and derived values.

States use the JobState numbering (0-6) for jobs *and* tasks, as the .NET SDK did and the 2020
capture shows (ams-v2-rest.md, "Task.State conflict"). A number outside 0-6 is kept as an
"unknown" state instead of failing: a newer service may add states, and a monitor must never
lose a job over it.

AMS v3 (ARM, MK.IO) jobs use the same model (`amstui.ams.arm` parses them): their state words
map case-insensitively onto `JobState` (an unknown word becomes `UNKNOWN_V3` and the word is
kept in `state_text`); each output is kept whole in `Job.outputs` and shown as a `Task` (so
every v2 view works unchanged). Job progress is the mean over the outputs, a Finished output
counting 100 whatever its own `progress` says, as for tasks.

A v3 job is as light as a v2 job in memory (a monitor holds 100,000 of them): its `tasks` are
derived from its outputs when read, not stored beside them, and its ARM `resource_id` is kept
as the account's prefix (shared by every job) and rebuilt from the transform and name when
read. Both stay plain fields to construct, `replace` and print (see `_derive`); `==` and
`hash` compare the fields as stored (cheap: the store compares every job it is given), and
`Job.task_count` counts the tasks without building them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any, TypeVar

V = TypeVar("V")

#: The x-ms-version values the v2 REST API accepts (client, config and emulator alike).
API_VERSIONS = tuple(f"2.{n}" for n in range(20))

#: The OData namespace of the AMS v2 entity types (shared with the emulator).
NAMESPACE = "Microsoft.Cloud.Media.Vod.Rest.Data.Models"

#: Job and task properties, in the order the service sent them (the seed capture).
JOB_PROPERTIES = (
    "Id",
    "Name",
    "Created",
    "LastModified",
    "EndTime",
    "Priority",
    "RunningDuration",
    "StartTime",
    "State",
    "TemplateId",
    "JobNotificationSubscriptions",
)
TASK_PROPERTIES = (
    "Id",
    "Configuration",
    "EndTime",
    "ErrorDetails",
    "HistoricalEvents",
    "MediaProcessorId",
    "Name",
    "PerfMessage",
    "Priority",
    "Progress",
    "RunningDuration",
    "StartTime",
    "State",
    "TaskBody",
    "Options",
    "EncryptionKeyId",
    "EncryptionScheme",
    "EncryptionVersion",
    "InitializationVector",
    "TaskNotificationSubscriptions",
)


class JobState(enum.IntEnum):
    """Job (and task) state, numbered as on the wire. Unknown numbers become pseudo-members."""

    QUEUED = 0
    SCHEDULED = 1
    PROCESSING = 2
    FINISHED = 3
    ERROR = 4
    CANCELED = 5
    CANCELING = 6

    @classmethod
    def _missing_(cls, value: object) -> JobState | None:
        if isinstance(value, int) and not isinstance(value, bool):
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None

    @classmethod
    def from_v3(cls, word: str) -> JobState:
        """A v3 state word (`Processing`, `processing`, ...); `UNKNOWN_V3` for anything else."""
        member = _V3_STATES.get(word.strip().lower())
        return member if member is not None else cls(UNKNOWN_V3)

    @property
    def is_known(self) -> bool:
        return 0 <= self.value <= 6

    @property
    def v3_word(self) -> str:
        """The v3 spelling of a known state (`Processing`); the label otherwise."""
        return self.name.capitalize() if self.is_known else self.label

    @property
    def is_final(self) -> bool:
        """Finished, Error and Canceled never change again (NET `JobData.IsFinalJobState`)."""
        return self.value in (3, 4, 5)

    @property
    def is_active(self) -> bool:
        """Queued, Scheduled, Processing and Canceling: states a monitor still watches."""
        return self.value in (0, 1, 2, 6)

    @property
    def label(self) -> str:
        if self.is_known:
            return self.name.capitalize()
        if self.value == UNKNOWN_V3:
            return "Unknown"
        return f"Unknown({self.value})"


#: Tasks use the job numbering (see the module docstring).
TaskState = JobState

#: The value an unknown v3 state word maps to (its text is kept beside it).
UNKNOWN_V3 = -1
_V3_STATES = {s.name.lower(): s for s in JobState}

#: v3 priority words mapped onto the integer `Job.priority` (higher runs first, as in v2);
#: the word itself is kept in `Job.priority_text`.
V3_PRIORITIES = {"low": 0, "normal": 1, "high": 2}

ACTIVE_STATES: tuple[JobState, ...] = (
    JobState.QUEUED,
    JobState.SCHEDULED,
    JobState.PROCESSING,
    JobState.CANCELING,
)
FINAL_STATES: tuple[JobState, ...] = (JobState.FINISHED, JobState.ERROR, JobState.CANCELED)


def states_from_words(text: str) -> tuple[JobState, ...]:
    """States named in user input: `error`, `processing,queued`, prefixes (`proc`), `active`,
    `final`, a number; `failed` and `cancelled` as synonyms. ValueError for anything else."""
    states: list[JobState] = []
    for raw in text.lower().split(","):
        word = raw.strip()
        if not word:
            continue
        if word == "active":
            states.extend(ACTIVE_STATES)
            continue
        if word in ("final", "done"):
            states.extend(FINAL_STATES)
            continue
        if word.isdigit():
            states.append(JobState(int(word)))
            continue
        word = {"failed": "error", "err": "error", "cancelled": "canceled"}.get(word, word)
        exact = [s for s in JobState if s.name.lower() == word]
        matches = exact or [s for s in JobState if s.name.lower().startswith(word)]
        if len(matches) != 1:
            names = ", ".join(s.name.lower() for s in JobState)
            raise ValueError(f"unknown state {word!r} (known: {names}, active, final)")
        states.append(matches[0])
    return tuple(dict.fromkeys(states))


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class HistoricalEvent:
    code: str
    message: str
    timestamp: datetime | None


@dataclass(frozen=True, slots=True)
class OutputError:
    """A v3 `JobError`: why one output failed."""

    code: str
    message: str
    category: str = ""
    retry: str = ""
    details: tuple[ErrorDetail, ...] = ()


@dataclass(frozen=True, slots=True)
class JobOutput:
    """A v3 job output (`#Microsoft.Media.JobOutputAsset`): the v3 unit of work."""

    label: str
    state: JobState
    #: The service's integer percentage as sent (0-100).
    progress: int
    asset: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    error: OutputError | None = None
    #: The state word as the service sent it (kept verbatim, also when unknown).
    state_text: str = ""

    @property
    def effective_progress(self) -> int:
        """Progress counted towards the job: 100 once Finished."""
        return 100 if self.state == JobState.FINISHED else self.progress

    def as_task(self, index: int) -> Task:
        error = self.error
        details: tuple[ErrorDetail, ...] = ()
        if error is not None:
            details = (ErrorDetail(error.code, error.message), *error.details)
        return Task(
            id=self.label or f"output {index}",
            name=self.label or f"output {index}",
            state=self.state,
            progress=float(self.effective_progress),
            start_time=self.start_time,
            end_time=self.end_time,
            error_details=details,
        )


@dataclass(frozen=True, slots=True)
class Task:
    id: str
    name: str
    state: JobState
    progress: float
    start_time: datetime | None = None
    end_time: datetime | None = None
    running_duration_ms: float = 0.0
    priority: int = 0
    media_processor_id: str = ""
    configuration: str = ""
    perf_message: str = ""
    error_details: tuple[ErrorDetail, ...] = ()
    historical_events: tuple[HistoricalEvent, ...] = ()

    def duration(self, now: datetime | None = None) -> timedelta | None:
        return _elapsed(self.start_time, self.end_time, now)


@dataclass(frozen=True, slots=True, eq=False)
class Job:
    id: str
    name: str
    state: JobState
    created: datetime | None
    last_modified: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    priority: int = 0
    running_duration_ms: float = 0.0
    template_id: str | None = None
    #: None when the tasks were not fetched (a list query never returns them).
    tasks: tuple[Task, ...] | None = None
    # ---- AMS v3 only (defaults on v2 jobs); a v3 job's `id` is `TRANSFORM/JOB`.
    transform: str | None = None
    #: The outputs as sent; `tasks`, when not given, reads them as `Task`s.
    outputs: tuple[JobOutput, ...] | None = None
    #: The priority word as sent (`Low`, `Normal`, `High`), mapped onto `priority`.
    priority_text: str | None = None
    description: str = ""
    correlation_data: tuple[tuple[str, str], ...] = ()
    #: Input asset names and file URLs (query strings stripped).
    inputs: tuple[str, ...] = ()
    created_by: str | None = None
    #: The state word as the service sent it (v3), kept verbatim also when unknown.
    state_text: str = ""
    #: The full ARM resource id (v3); when not given, `resource_prefix` + `/transforms/...`.
    resource_id: str = ""
    #: What precedes `/transforms/` in the ARM resource id (one string for the account).
    resource_prefix: str = ""

    @property
    def is_final(self) -> bool:
        return self.state.is_final

    @property
    def failed_outputs(self) -> tuple[JobOutput, ...]:
        return tuple(o for o in self.outputs or () if o.state == JobState.ERROR)

    @property
    def finished_with_failed_output(self) -> bool:
        """A v3 job that ended Finished although an output failed (`onError: ContinueJob`):
        its state alone hides the failure, so it counts as a failure wherever it is shown."""
        return self.state == JobState.FINISHED and bool(self.failed_outputs)

    @property
    def queue_wait(self) -> timedelta | None:
        """Time from Created to StartTime; None until the job starts."""
        if self.created is None or self.start_time is None:
            return None
        return self.start_time - self.created

    def elapsed(self, now: datetime | None = None) -> timedelta | None:
        """Running time: EndTime (or now, while running) minus StartTime."""
        return _elapsed(self.start_time, self.end_time, now)

    @property
    def progress(self) -> float | None:
        """Mean task progress (0-100), 100 when Finished; None when the tasks are unknown."""
        if self.state == JobState.FINISHED:
            return 100.0
        units = self._units()
        if not units:
            if self.state in (JobState.QUEUED, JobState.SCHEDULED):
                return 0.0
            return None
        if isinstance(units[0], JobOutput):
            outputs: tuple[JobOutput, ...] = units
            return sum(o.effective_progress for o in outputs) / len(outputs)
        tasks: tuple[Task, ...] = units
        return sum(t.progress for t in tasks) / len(tasks)

    @property
    def task_count(self) -> int | None:
        """`len(tasks)`, None when the tasks are unknown: without building a v3 job's tasks
        (a load asks it of every job)."""
        units = self._units()
        return None if units is None else len(units)

    @property
    def tasks_done(self) -> int | None:
        units = self._units()
        if units is None:
            return None
        return sum(1 for u in units if u.state == JobState.FINISHED)

    def _units(self) -> tuple[Task, ...] | tuple[JobOutput, ...] | None:
        """The tasks as stored, else the outputs they are read from (no `Task` built)."""
        stored = _STORED_TASKS.__get__(self, Job)
        return stored if stored is not None else self.outputs

    def with_tasks(self, tasks: tuple[Task, ...]) -> Job:
        return _replace(self, tasks=tasks)

    def merged(self, newer: Job) -> Job:
        """`newer` (a fresher record of this job), keeping known tasks if it has none."""
        if newer.task_count is None and self.task_count is not None:
            return _replace(newer, tasks=self.tasks)
        return newer

    # Equality and hash compare the fields as stored (not a v3 job's tasks built to compare
    # them: the store compares every job it is given with the one it holds).
    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _stored(self) == _stored(other)

    def __hash__(self) -> int:
        return hash(_stored(self))


def _derive(name: str, missing: V, derive: Callable[[Job], V]) -> Any:
    """Make field `name` of `Job` read `derive(job)` where the stored value is `missing`.

    The field stays a dataclass field (a keyword of the constructor and of `replace`, in
    `repr`); only reading it goes through the property (`replace` therefore stores what it
    read). Returns the slot that holds the stored value."""
    slot = Job.__dict__[name]

    def read(job: Job) -> V:
        stored: V = slot.__get__(job, Job)
        return derive(job) if stored == missing else stored

    setattr(Job, name, property(read, slot.__set__, None, f"Job.{name} (derived when unset)"))
    return slot


def _output_tasks(job: Job) -> tuple[Task, ...] | None:
    outputs = job.outputs
    if outputs is None:
        return None
    return tuple(o.as_task(i) for i, o in enumerate(outputs))


def _resource_id(job: Job) -> str:
    if not job.resource_prefix or job.transform is None:
        return ""
    return f"{job.resource_prefix}/transforms/{job.transform}/jobs/{job.name}"


_STORED_TASKS = _derive("tasks", None, _output_tasks)
_STORED_RESOURCE_ID = _derive("resource_id", "", _resource_id)
#: Every other field, read at once (in C).
_PLAIN_FIELDS = attrgetter(*(f.name for f in fields(Job) if f.name not in ("tasks", "resource_id")))


def _stored(job: Job) -> tuple[Any, ...]:
    """The fields as stored (a v3 job's tasks and resource id not derived)."""
    return (
        _PLAIN_FIELDS(job),
        _STORED_TASKS.__get__(job, Job),
        _STORED_RESOURCE_ID.__get__(job, Job),
    )


def _replace(job: Job, **changes: Any) -> Job:
    from dataclasses import replace

    return replace(job, **changes)


def _elapsed(
    start: datetime | None, end: datetime | None, now: datetime | None
) -> timedelta | None:
    if start is None:
        return None
    stop = end or now or datetime.now(UTC)
    return max(stop - start, timedelta(0))

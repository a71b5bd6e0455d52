"""The emulated account: a seeded, deterministic population of encoding jobs and their lifecycle.

Each job gets a timeline when it is created (queued, scheduled, the start and length of each
task, whether and where it fails), so its state at any virtual time is a pure function of the
timeline and the clock: nothing has to be stepped, and the same seed gives the same jobs.
Processing concurrency is respected by assigning start times from a pool of processing slots.
A cancel rewrites the timeline from the moment it was asked for.

Lifecycle: Queued -> Scheduled -> Processing -> Finished | Error, or Canceling -> Canceled.
Tasks run one after another; the job state is aggregated from its tasks (any failed task makes
the job Error). LastModified stays at Created, as in the REST sample's capture.
"""

from __future__ import annotations

import heapq
import json
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from amstui.ams.model import JobState
from amstui.emulator.transforms import Transform, account_transforms, by_name, weighted

ERROR_CODES = (
    (
        "ErrorDownloadingInputAssetMalformedContent",
        "The input asset could not be downloaded: the file is malformed.",
    ),
    (
        "ErrorDownloadingInputAssetServiceFailure",
        "The input asset could not be downloaded because of a service failure.",
    ),
    ("ErrorParsingConfiguration", "The task configuration could not be parsed."),
    (
        "ErrorExecutingTaskMalformedContent",
        "The input has malformed content: the decoder reported a corrupt stream.",
    ),
    (
        "ErrorExecutingTaskUnsupportedFormat",
        "The input format is not supported by the media processor.",
    ),
    ("ErrorProcessingTask", "An error occurred while processing the task."),
    ("ErrorUploadingOutputAsset", "The output asset could not be uploaded."),
    ("TransientError", "A transient error occurred. Please resubmit the job."),
)
PRESETS = (
    "H264 Multiple Bitrate 720p",
    "H264 Multiple Bitrate 1080p",
    "Adaptive Streaming",
    "H264 Single Bitrate 720p",
    "Content Adaptive Multiple Bitrate MP4",
    "H264 Multiple Bitrate 4K",
    "AAC Good Quality Audio",
)
TITLES = (
    "BigBuckBunny",
    "Sintel",
    "TearsOfSteel",
    "ElephantsDream",
    "CosmosLaundromat",
    "Spring",
    "Agent327",
    "CaminandesLlamigos",
    "Glass Half",
    "Hero",
    "Coffee Run",
    "Sprite Fright",
)
_SLUGS = {title: "".join(c for c in title if c.isalnum()).lower() for title in TITLES}
TASK_BODY = (
    '<?xml version="1.0" encoding="utf-16"?><taskBody><inputAsset>JobInputAsset(0)'
    '</inputAsset><outputAsset assetCreationOptions="0" assetName="{name}">'
    "JobOutputAsset({index})</outputAsset></taskBody>"
)


def uuid4_text(bits: int) -> str:
    """str(uuid.UUID(int=bits, version=4)), without building a UUID (100,000 jobs need
    about 370,000 ids at start-up)."""
    bits &= ~(0xC000 << 48)
    bits |= 0x8000 << 48
    bits &= ~(0xF000 << 64)
    bits |= 4 << 76
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


#: timedelta(microseconds=n) for n < 1000: subtracting one truncates to milliseconds about
#: ten times faster than `datetime.replace` (populating 100,000 jobs truncates 300,000 times).
_SUB_MS = tuple(timedelta(microseconds=n) for n in range(1000))


def _ms(moment: datetime) -> datetime:
    """Truncate to milliseconds, as the service's store did."""
    return moment - _SUB_MS[moment.microsecond % 1000]


@dataclass(slots=True)
class SimTask:
    id: str
    name: str
    media_processor_id: str
    configuration: str
    task_body: str
    priority: int
    duration: float  # seconds of processing if it runs to the end
    fail_at: float | None = None  # fraction of duration where it fails
    error_code: str = ""
    error_message: str = ""
    options: int = 0
    #: The transform output's `onError: ContinueJob`: a failure does not fail the job.
    continue_on_error: bool = False


#: What the timeline of a task depends on: its length in seconds, the fraction done when it
#: fails (None: it does not), and whether the job goes on after a failure (`ContinueJob`).
TaskPlan = tuple[float, float | None, bool]
#: What a task was doing at one moment: state, progress, start and end time.
TaskStep = tuple[JobState, float, datetime | None, datetime | None]


#: id(transform) -> (the transform, kept so that its id is not reused; its flags). By id:
#: hashing a transform (a dataclass of tuples) costs more than working the flags out.
#: `JobState.is_final` as a set (the property costs more than the rest of a view's checks).
_FINAL = frozenset(state for state in JobState if state.is_final)
_GOES_ON: dict[int, tuple[Transform, tuple[bool, ...]]] = {}


def _goes_on(transform: Transform) -> tuple[bool, ...]:
    """Per output of a transform: whether the job goes on when it fails (`ContinueJob`)."""
    known = _GOES_ON.get(id(transform))
    if known is None:
        flags = tuple(output.on_error == "ContinueJob" for output in transform.outputs)
        known = _GOES_ON[id(transform)] = (transform, flags)
    return known[1]


@dataclass(frozen=True, slots=True)
class TaskDraws:
    """What the seed decided about a job's tasks, made into `SimTask`s when first needed:
    100,000 jobs have some 280,000 tasks, and a listing looks at few of them."""

    transform: Transform
    job_name: str
    #: Per transform output: its length in seconds and the random bits of its id.
    durations: tuple[float, ...]
    id_bits: tuple[int, ...]
    #: (index of the failing task, (error code, message), fraction done when it fails).
    failure: tuple[int, tuple[str, str], float] | None

    def plan(self) -> tuple[TaskPlan, ...]:
        goes_on = _goes_on(self.transform)
        plan = tuple(zip(self.durations, (None,) * len(goes_on), goes_on, strict=True))
        if self.failure is None:
            return plan
        victim, _, fail_at = self.failure
        failing: TaskPlan = (self.durations[victim], fail_at, goes_on[victim])
        return (*plan[:victim], failing, *plan[victim + 1 :])

    def build(self) -> list[SimTask]:
        tasks = []
        for index, output in enumerate(self.transform.outputs):
            mpid, mp_name = output.processor
            tasks.append(
                SimTask(
                    id=f"nb:tid:UUID:{uuid4_text(self.id_bits[index])}",
                    name=f"{mp_name} - {output.configuration}",
                    media_processor_id=mpid,
                    configuration=output.configuration,
                    task_body=TASK_BODY.format(name=f"{self.job_name[:40]} output", index=index),
                    priority=0,
                    duration=self.durations[index],
                    continue_on_error=output.on_error == "ContinueJob",
                )
            )
        if self.failure is not None:
            victim, (code, message), fail_at = self.failure
            tasks[victim].fail_at = fail_at
            tasks[victim].error_code = code
            tasks[victim].error_message = message
        return tasks


@dataclass(slots=True)
class SimJob:
    id: str
    name: str
    created: datetime
    priority: int
    draws: TaskDraws | None
    scheduled_at: datetime
    start_at: datetime
    template_id: str | None = None
    #: v3: the transform the job belongs to and its ARM name (unique in the account).
    transform: str = ""
    arm_name: str = ""
    description: str | None = None
    #: systemData.createdBy (None: the answer carries only the dates, as recorded GETs do).
    created_by: str | None = None
    correlation: dict[str, str] | None = None
    #: v3 jobs created through the API: the input as sent, and each output's label and asset.
    v3_input: dict[str, object] | None = None
    v3_outputs: list[tuple[str | None, str]] | None = None
    cancel_at: datetime | None = None
    canceled_at: datetime | None = None
    #: The random bits of the input asset's id.
    input_bits: int = 0
    #: Filled once the job is final (final jobs never change).
    final: JobView | None = None
    #: The tasks, once made from `draws` (or given).
    made_tasks: list[SimTask] | None = None
    #: The tasks' plan, once worked out.
    made_plan: tuple[TaskPlan, ...] | None = None

    @property
    def tasks(self) -> list[SimTask]:
        if self.made_tasks is None:
            self.made_tasks = [] if self.draws is None else self.draws.build()
        return self.made_tasks

    @tasks.setter
    def tasks(self, tasks: list[SimTask]) -> None:
        self.made_tasks = tasks
        self.made_plan = None

    @property
    def plan(self) -> tuple[TaskPlan, ...]:
        """Each task's plan, without making the tasks (a job's state needs no more)."""
        if self.made_plan is None:
            if self.made_tasks is None and self.draws is not None:
                self.made_plan = self.draws.plan()
            else:
                self.made_plan = tuple(
                    (t.duration, t.fail_at, t.continue_on_error) for t in self.tasks
                )
        return self.made_plan

    @property
    def input_assets(self) -> list[str]:
        return [f"nb:cid:UUID:{uuid4_text(self.input_bits)}"]

    @property
    def processing_seconds(self) -> float:
        total = 0.0
        for duration, fail_at, continue_on_error in self.plan:
            if fail_at is not None and not continue_on_error:
                return total + duration * fail_at
            if fail_at is not None:
                total += duration * fail_at
            else:
                total += duration
        return total


@dataclass(frozen=True, slots=True)
class TaskView:
    id: str
    name: str
    state: JobState
    progress: float
    start_time: datetime | None
    end_time: datetime | None
    running_duration_ms: float
    error_details: tuple[tuple[str, str], ...]
    events: tuple[tuple[str, str, datetime], ...]
    sim: SimTask
    job_id: str


@dataclass(slots=True)
class JobView:
    """A job as the service would answer at one moment.

    Its tasks' views are made on first use, from `steps`: a listing of jobs needs none of
    them (their events, errors and billing records are most of the cost of a view)."""

    id: str
    name: str
    state: JobState
    created: datetime
    last_modified: datetime
    start_time: datetime | None
    end_time: datetime | None
    priority: int
    running_duration_ms: float
    template_id: str | None
    steps: tuple[TaskStep, ...]
    job: SimJob = field(repr=False, compare=False)
    made_tasks: tuple[TaskView, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def tasks(self) -> tuple[TaskView, ...]:
        if self.made_tasks is None:
            self.made_tasks = _task_views(self.job, self.steps)
        return self.made_tasks


@dataclass(frozen=True, slots=True)
class SimConfig:
    seed: int = 1
    jobs: int = 200
    #: Jobs not final at the start (the rest are history).
    active: int = 20
    #: Concurrent processing slots (how many jobs process at once).
    concurrency: int = 8
    error_rate: float = 0.08
    #: New jobs per virtual minute (Poisson arrivals); 0 for none.
    arrival_rate: float = 0.0
    #: Jobs older than this many days are purged, as AMS did after 90 days.
    purge_days: float = 90.0
    history_days: float = 30.0
    #: Typical task length in seconds (virtual).
    task_seconds: float = 240.0
    #: How long a processing job stays Canceling (v3 recordings: more than 30 s).
    cancel_seconds: float = 2.0
    #: Transforms in the account (v3): the five kinds, then numbered variants (ARM: <= 100).
    transforms: int = 5


class Simulation:
    """The account's jobs; thread-safe (the server may run in another thread)."""

    def __init__(self, config: SimConfig, start: datetime) -> None:
        if config.jobs < 0 or config.jobs > 1_000_000:
            raise ValueError("jobs must be between 0 and 1,000,000")
        if not 0 <= config.error_rate <= 1:
            raise ValueError("error_rate must be between 0 and 1")
        if config.concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.config = config
        self.transforms = account_transforms(config.transforms)
        self._weighted = weighted(self.transforms)
        self._rng = random.Random(config.seed)
        self._arrivals = random.Random(config.seed * 7919 + 1)
        self._lock = threading.RLock()
        self.jobs: dict[str, SimJob] = {}
        #: Task id -> job id; built on first use (it makes every job's tasks).
        self._task_index: dict[str, str] | None = None
        #: v3: (transform lower-case, job name lower-case) -> job id; built on first use.
        self._arm_index: dict[tuple[str, str], str] | None = None
        #: Bumped whenever a job is added or removed (caches of sorted listings key on it).
        self.version = 0
        self._serial = 0
        self._slots: list[datetime] = []
        self.start = _ms(start)
        self._populate(self.start)
        self._next_arrival: datetime | None = None
        if config.arrival_rate > 0:
            self._next_arrival = self._draw_arrival(self.start)

    # ------------------------------------------------------------------ population

    def _new_id(self, prefix: str) -> str:
        return f"nb:{prefix}:UUID:{uuid4_text(self._rng.getrandbits(128))}"

    def _draw_tasks(self, transform: Transform, job_name: str, fail: bool) -> TaskDraws:
        """One task per transform output, run by the processor that does that work."""
        rng = self._rng
        lognormvariate, getrandbits = rng.lognormvariate, rng.getrandbits
        seconds = self.config.task_seconds
        durations = []
        bits = []
        for output in transform.outputs:
            duration = lognormvariate(0, 0.6) * seconds * output.weight
            durations.append(round(max(5.0, duration), 3))
            bits.append(getrandbits(128))
        failure = None
        if fail:
            victim = rng.randrange(len(durations))
            error = rng.choice(ERROR_CODES)
            failure = (victim, error, round(rng.uniform(0.02, 0.95), 3))
        return TaskDraws(transform, job_name, tuple(durations), tuple(bits), failure)

    def _make_job(
        self, created: datetime, name: str | None = None, transform: Transform | None = None
    ) -> SimJob:
        rng = self._rng
        if transform is None:
            transform = rng.choice(self._weighted)
        title = rng.choice(TITLES)
        if name is None:
            name = transform.v2_name.format(title=title)
        fail = rng.random() < self.config.error_rate
        draws = self._draw_tasks(transform, name, fail)
        created = _ms(created)
        scheduled = _ms(created + timedelta(seconds=rng.uniform(0.5, 6)))
        self._serial += 1
        slug = _SLUGS[title]
        job = SimJob(
            id=self._new_id("jid"),
            name=name,
            created=created,
            priority=rng.choice((0, 0, 0, 0, 1, 2, 5)),
            draws=draws,
            scheduled_at=scheduled,
            start_at=scheduled,
            input_bits=rng.getrandbits(128),
            transform=transform.name,
            arm_name=f"{transform.slug}-{slug}-{self._serial:06d}",
            created_by="media-ops@contoso.com" if self._serial % 3 == 0 else None,
        )
        return job

    def _slot_start(self, ready: datetime, job: SimJob) -> datetime:
        """The start time the slot pool gives a job ready at `ready`, and book the slot."""
        if len(self._slots) < self.config.concurrency:
            start = ready
        else:
            start = max(ready, heapq.heappop(self._slots))
        start = _ms(start + timedelta(seconds=self._rng.uniform(1, 8)))
        heapq.heappush(self._slots, start + timedelta(seconds=job.processing_seconds))
        return start

    def _add(self, job: SimJob) -> None:
        self.jobs[job.id] = job
        self.version += 1
        if self._arm_index is not None:
            self._arm_index[(job.transform.lower(), job.arm_name.lower())] = job.id
        if self._task_index is not None:
            for task in job.tasks:
                self._task_index[task.id] = job.id

    def _populate(self, now: datetime) -> None:
        cfg = self.config
        active = min(cfg.active, cfg.jobs)
        history = cfg.jobs - active
        rng = self._rng
        span = timedelta(days=cfg.history_days).total_seconds()
        # History: created over the last `history_days`, all over by now.
        offsets = sorted((rng.uniform(2 * 3600, span) for _ in range(history)), reverse=True)
        for offset in offsets:
            job = self._make_job(now - timedelta(seconds=offset))
            job.start_at = _ms(job.scheduled_at + timedelta(seconds=rng.uniform(1, 120)))
            if rng.random() < 0.03:  # a few were canceled by someone
                job.cancel_at = _ms(job.start_at + timedelta(seconds=job.processing_seconds / 2))
                job.canceled_at = _ms(job.cancel_at + timedelta(seconds=3))
            self._add(job)
        # Active jobs: created in the last minutes, the first ones already processing.
        ages = sorted((rng.uniform(0, 600) for _ in range(active)), reverse=True)
        processing = min(cfg.concurrency, active)
        for index, age in enumerate(ages):
            job = self._make_job(now - timedelta(seconds=age))
            if index < processing:
                # Already processing: started a while ago, part way through.
                done = rng.uniform(0.05, 0.7) * job.processing_seconds
                job.start_at = _ms(max(job.scheduled_at, now - timedelta(seconds=done)))
                remaining = job.processing_seconds - (now - job.start_at).total_seconds()
                heapq.heappush(self._slots, now + timedelta(seconds=max(remaining, 1.0)))
            else:
                job.start_at = self._slot_start(max(job.scheduled_at, now), job)
            self._add(job)

    def _draw_arrival(self, after: datetime) -> datetime:
        rate_per_s = self.config.arrival_rate / 60.0
        return after + timedelta(seconds=self._arrivals.expovariate(rate_per_s))

    # ------------------------------------------------------------------ time

    def advance_to(self, now: datetime) -> None:
        """Create the jobs that arrived and purge the ones past retention, up to `now`."""
        with self._lock:
            while self._next_arrival is not None and self._next_arrival <= now:
                self.create_job(self._next_arrival)
                self._next_arrival = self._draw_arrival(self._next_arrival)
            if self.config.purge_days > 0:
                cutoff = now - timedelta(days=self.config.purge_days)
                while self.jobs:
                    first = next(iter(self.jobs.values()))
                    if first.created >= cutoff:
                        break
                    self.remove(first.id)

    def create_job(
        self,
        created: datetime,
        name: str | None = None,
        tasks: list[dict[str, str]] | None = None,
        priority: int | None = None,
        transform: str | None = None,
        arm_name: str | None = None,
    ) -> SimJob:
        """A new job now; v3 callers name its transform (and may name the job)."""
        with self._lock:
            chosen = by_name(transform, len(self.transforms)) if transform is not None else None
            if transform is not None and chosen is None:
                raise ValueError(f"no transform named {transform[:100]!r}")
            job = self._make_job(created, name, chosen)
            if arm_name is not None:
                job.arm_name = arm_name
            if tasks:
                job.tasks = [
                    SimTask(
                        id=self._new_id("tid"),
                        name=spec.get("Name") or f"Task {i + 1}",
                        media_processor_id=spec["MediaProcessorId"],
                        configuration=spec.get("Configuration", ""),
                        task_body=spec["TaskBody"],
                        priority=0,
                        duration=t.duration,
                        fail_at=t.fail_at,
                        error_code=t.error_code,
                        error_message=t.error_message,
                    )
                    for i, (spec, t) in enumerate(
                        (spec, job.tasks[i % len(job.tasks)]) for i, spec in enumerate(tasks)
                    )
                ]
            if priority is not None:
                job.priority = priority
            job.start_at = self._slot_start(job.scheduled_at, job)
            self._add(job)
            return job

    def remove(self, job_id: str) -> bool:
        with self._lock:
            job = self.jobs.pop(job_id, None)
            if job is None:
                return False
            self.version += 1
            if self._task_index is not None:
                for task in job.tasks:
                    self._task_index.pop(task.id, None)
            if self._arm_index is not None:
                self._arm_index.pop((job.transform.lower(), job.arm_name.lower()), None)
            return True

    def cancel(self, job_id: str, now: datetime) -> JobState:
        """Ask to cancel; returns the state the job was in (the caller rejects final ones)."""
        with self._lock:
            job = self.jobs[job_id]
            state = self.view(job, now).state
            if state.is_final or state == JobState.CANCELING:
                return state
            job.cancel_at = _ms(now)
            delay = self.config.cancel_seconds if state == JobState.PROCESSING else 0.5
            job.canceled_at = _ms(now + timedelta(seconds=delay))
            return state

    # ------------------------------------------------------------------ views

    def view(self, job: SimJob, now: datetime) -> JobView:
        if job.final is not None:
            return job.final
        result = _compute_view(job, now)
        if result.state in _FINAL:
            job.final = result
        return result

    def job_list(self) -> list[SimJob]:
        with self._lock:
            return list(self.jobs.values())

    def views(self, now: datetime) -> list[JobView]:
        with self._lock:
            return [self.view(job, now) for job in self.jobs.values()]

    def find(self, job_id: str, now: datetime) -> JobView | None:
        with self._lock:
            job = self.jobs.get(job_id)
            return None if job is None else self.view(job, now)

    def find_arm(self, transform: str, name: str, now: datetime) -> JobView | None:
        """The job `name` of `transform` (ARM names: case-insensitive)."""
        with self._lock:
            if self._arm_index is None:
                self._arm_index = {
                    (j.transform.lower(), j.arm_name.lower()): j.id for j in self.jobs.values()
                }
            job_id = self._arm_index.get((transform.lower(), name.lower()))
            return None if job_id is None else self.find(job_id, now)

    def find_task(self, task_id: str, now: datetime) -> TaskView | None:
        with self._lock:
            if self._task_index is None:
                self._task_index = {t.id: j.id for j in self.jobs.values() for t in j.tasks}
            job_id = self._task_index.get(task_id)
            if job_id is None:
                return None
            view = self.find(job_id, now)
            if view is None:
                return None
            return next((t for t in view.tasks if t.id == task_id), None)


def _compute_view(job: SimJob, now: datetime) -> JobView:
    cancel_at = job.cancel_at if job.cancel_at is not None and job.cancel_at <= now else None
    steps: list[TaskStep] = []
    plan = job.plan
    cursor = job.start_at
    failed_at: datetime | None = None
    job_start = job.start_at if now >= job.start_at else None
    if cancel_at is not None and cancel_at < job.start_at:
        job_start = None
    counted: list[JobState] = []
    for duration, fail_at, continue_on_error in plan:
        t_start = cursor
        length = duration * (fail_at if fail_at is not None else 1.0)
        t_end = _ms(t_start + timedelta(0, length))  # (days, seconds): no keyword parsing
        state: JobState
        progress = 0.0
        start_time: datetime | None = None
        end_time: datetime | None = None
        stop = cancel_at
        if failed_at is not None:
            # An earlier task failed: this one never runs.
            state, end_time = JobState.CANCELED, failed_at
        elif stop is not None and stop <= t_start:
            done_at = job.canceled_at or stop
            state = JobState.CANCELED if now >= done_at else JobState.CANCELING
            if state == JobState.CANCELED:
                end_time = done_at
        elif now < job.scheduled_at:
            state = JobState.QUEUED
        elif now < t_start:
            state = JobState.SCHEDULED
        else:
            start_time = t_start
            if stop is not None and stop < t_end:
                progress = round(100 * (stop - t_start).total_seconds() / duration, 2)
                done_at = job.canceled_at or stop
                if now >= done_at:
                    state, end_time = JobState.CANCELED, done_at
                else:
                    state = JobState.CANCELING
            elif now < t_end:
                state = JobState.PROCESSING
                progress = round(100 * (now - t_start).total_seconds() / duration, 2)
            elif fail_at is not None:
                state, end_time = JobState.ERROR, t_end
                progress = round(100 * fail_at, 2)
                if not continue_on_error:
                    failed_at = t_end
            else:
                state, end_time, progress = JobState.FINISHED, t_end, 100.0
        steps.append((state, min(max(progress, 0.0), 100.0), start_time, end_time))
        # A failed output whose transform says `onError: ContinueJob` does not fail the job.
        counted.append(
            JobState.FINISHED if state == JobState.ERROR and continue_on_error else state
        )
        cursor = t_end
    state = _aggregate(tuple(counted), cancel_at is not None)
    final = state in _FINAL
    end: datetime | None = None
    if final:
        ends = [step[3] for step in steps if step[3] is not None]
        end = max(ends) if ends else (job.canceled_at or now)
    running = 0.0
    if final and job_start is not None and end is not None:
        running = float(round((end - job_start).total_seconds() * 1000))
    return JobView(
        id=job.id,
        name=job.name,
        state=state,
        created=job.created,
        last_modified=job.created,
        start_time=job_start,
        end_time=end,
        priority=job.priority,
        running_duration_ms=running,
        template_id=job.template_id,
        steps=tuple(steps),
        job=job,
    )


def _task_views(job: SimJob, steps: tuple[TaskStep, ...]) -> tuple[TaskView, ...]:
    """The tasks' views for a moment, from what each task was doing then: the events of a
    task follow from its state and its start and end times."""
    views = []
    for task, (state, progress, start_time, end_time) in zip(job.tasks, steps, strict=True):
        events: list[tuple[str, str, datetime]] = [("WaitingForFreeResources", "", job.created)]
        errors: tuple[tuple[str, str], ...] = ()
        if start_time is None:
            # Never ran: queued, scheduled, or canceled (by a cancel, or by an earlier
            # task's failure) before its turn.
            if state == JobState.SCHEDULED:
                events.append(("Scheduled", "", job.scheduled_at))
            elif state == JobState.CANCELED and end_time is not None:
                events.append(("Canceled", "", end_time))
        else:
            events.append(("Scheduled", "", job.scheduled_at))
            events.append(("Processing", "", start_time))
            if end_time is not None and state == JobState.CANCELED:
                events.append(("Canceled", "", end_time))
            elif end_time is not None and state == JobState.ERROR:
                errors = ((task.error_code, task.error_message),)
                events.append(("Error", task.error_message, end_time))
            elif end_time is not None and state == JobState.FINISHED:
                events.append(("Finished", "", end_time))
                billing = {
                    "MediaProcessor": task.media_processor_id,
                    "Minutes": round(task.duration / 60, 2),
                }
                events.append(("TaskBillingInformationAdded", json.dumps(billing), end_time))
        duration_ms = 0.0
        if start_time is not None and end_time is not None:
            duration_ms = float(round((end_time - start_time).total_seconds() * 1000))
        views.append(
            TaskView(
                id=task.id,
                name=task.name,
                state=state,
                progress=progress,
                start_time=start_time,
                end_time=end_time,
                running_duration_ms=duration_ms,
                error_details=errors,
                events=tuple(events),
                sim=task,
                job_id=job.id,
            )
        )
    return tuple(views)


def _aggregate(states: tuple[JobState, ...], cancel_requested: bool) -> JobState:
    if JobState.ERROR in states:
        return JobState.ERROR
    if cancel_requested:
        if JobState.CANCELING in states or JobState.PROCESSING in states:
            return JobState.CANCELING
        if all(s in _FINAL for s in states):
            return JobState.CANCELED if JobState.CANCELED in states else JobState.FINISHED
        return JobState.CANCELING
    if all(s == JobState.FINISHED for s in states):
        return JobState.FINISHED
    if JobState.PROCESSING in states:
        return JobState.PROCESSING
    if any(s == JobState.FINISHED for s in states):
        return JobState.PROCESSING  # between two tasks
    if JobState.SCHEDULED in states:
        return JobState.SCHEDULED
    return JobState.QUEUED

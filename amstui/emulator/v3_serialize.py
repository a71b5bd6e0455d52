"""AMS v3 resources as ARM (Azure, Ravnur RMS) and MK.IO write them.

Shapes from Encoding.json 2022-07-01, its examples and the recordings (see the reference doc):
`id` with lower-case `mediaservices`, `type`, `systemData`, `properties` with `input` wrapped in
`#Microsoft.Media.JobInputs`, `outputs[]` with state, integer progress, label and error; keys
whose value is null are omitted (`startTime`, `endTime`, `error`, `description`).

MK.IO differences: ids under `resourceGroups/default` with the project as the account,
6-digit fractional seconds, `correlationData` omitted when empty, outputs without
`startTime`, errors without `details`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from amstui.ams.model import JobState
from amstui.emulator.simulation import JobView, SimJob, TaskView
from amstui.emulator.transforms import Transform, by_name

CONTENT_TYPE = "application/json; odata.metadata=minimal; odata.streaming=true"
JOB_TYPE = "Microsoft.Media/mediaservices/transforms/jobs"
TRANSFORM_TYPE = "Microsoft.Media/mediaservices/transforms"
#: How long a canceled output still reads Processing while its job reads Canceling.
CANCEL_SKEW = timedelta(seconds=10)

#: v2 task error code -> v3 (JobErrorCode, category, retry).
ERRORS: dict[str, tuple[str, str, str]] = {
    "ErrorDownloadingInputAssetMalformedContent": ("ContentMalformed", "Content", "DoNotRetry"),
    "ErrorDownloadingInputAssetServiceFailure": ("DownloadTransientError", "Download", "MayRetry"),
    "ErrorParsingConfiguration": ("ConfigurationUnsupported", "Configuration", "DoNotRetry"),
    "ErrorExecutingTaskMalformedContent": ("ContentMalformed", "Content", "DoNotRetry"),
    "ErrorExecutingTaskUnsupportedFormat": ("ContentUnsupported", "Content", "DoNotRetry"),
    "ErrorProcessingTask": ("ServiceError", "Service", "DoNotRetry"),
    "ErrorUploadingOutputAsset": ("UploadTransientError", "Upload", "MayRetry"),
    "TransientError": ("ServiceTransientError", "Service", "MayRetry"),
}
PRIORITIES = {"Low": 1, "Normal": 0, "High": 2}


def v3_priority(value: int) -> str:
    """The v2 simulation's integer priority as a v3 priority (round-trips `PRIORITIES`)."""
    if value == 1:
        return "Low"
    return "High" if value >= 2 else "Normal"


def format_time(moment: datetime, mkio: bool) -> str:
    """ARM: .NET round-trip form, trailing zeros of the fraction dropped (`...44.18Z`);
    MK.IO: always 6 fractional digits."""
    moment = moment.astimezone(UTC).replace(tzinfo=None)
    if mkio:
        return moment.isoformat(timespec="microseconds") + "Z"
    text = moment.isoformat(timespec="microseconds").rstrip("0").rstrip(".")
    return text + "Z"


@dataclass(frozen=True, slots=True)
class Account:
    """Where resources live: the ARM account path, or MK.IO's project."""

    subscription: str
    resource_group: str
    account: str
    mkio: bool = False

    @property
    def base_id(self) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}"
            f"/providers/Microsoft.Media/mediaservices/{self.account}"
        )

    def time(self, moment: datetime) -> str:
        return format_time(moment, self.mkio)

    def transform(self, transform: Transform, created: datetime) -> dict[str, Any]:
        stamp = self.time(created)
        outputs = []
        for output in transform.outputs:
            preset: dict[str, Any] = {"@odata.type": output.preset_type}
            if output.preset_name is not None:
                preset["presetName"] = output.preset_name
            outputs.append(
                {
                    "onError": output.on_error,
                    "relativePriority": output.relative_priority,
                    "preset": preset,
                }
            )
        return {
            "name": transform.name,
            "id": f"{self.base_id}/transforms/{transform.name}",
            "type": TRANSFORM_TYPE,
            "properties": {
                "created": stamp,
                "description": transform.description,
                "lastModified": stamp,
                "outputs": outputs,
            },
            "systemData": {
                "createdBy": "media-ops@contoso.com",
                "createdByType": "User",
                "createdAt": stamp,
                "lastModifiedBy": "media-ops@contoso.com",
                "lastModifiedByType": "User",
                "lastModifiedAt": stamp,
            },
        }

    def job(self, job: SimJob, view: JobView, now: datetime) -> dict[str, Any]:
        transform = by_name(job.transform)
        created = self.time(view.created)
        props: dict[str, Any] = {"created": created, "state": view.state.label}
        if job.description is not None:
            props["description"] = job.description
        props["input"] = _input(job)
        props["lastModified"] = self.time(view.last_modified)
        props["outputs"] = [
            self._output(job, view, task, index, transform, now)
            for index, task in enumerate(view.tasks)
        ]
        props["priority"] = v3_priority(job.priority)
        if job.correlation or not self.mkio:
            props["correlationData"] = dict(job.correlation)
        if view.start_time is not None:
            props["startTime"] = self.time(view.start_time)
        if view.end_time is not None:
            props["endTime"] = self.time(view.end_time)
        system: dict[str, Any] = {}
        # Recordings: GET answers carry only the dates; jobs created through the API (and a
        # share of the seeded ones) also say who created them.
        if job.created_by is not None:
            kind = "Application" if "@" not in job.created_by else "User"
            system = {"createdBy": job.created_by, "createdByType": kind}
        system["createdAt"] = created
        if job.created_by is not None:
            system["lastModifiedBy"] = job.created_by
            system["lastModifiedByType"] = system["createdByType"]
        system["lastModifiedAt"] = created
        return {
            "name": job.arm_name,
            "id": f"{self.base_id}/transforms/{job.transform}/jobs/{job.arm_name}",
            "type": JOB_TYPE,
            "properties": props,
            "systemData": system,
        }

    def _output(
        self,
        job: SimJob,
        view: JobView,
        task: TaskView,
        index: int,
        transform: Transform | None,
        now: datetime,
    ) -> dict[str, Any]:
        state = task.state
        if state == JobState.SCHEDULED:
            # Recordings: the job reads Scheduled while its output still reads Queued.
            state = JobState.QUEUED
        if (
            state == JobState.CANCELING
            and task.start_time is not None
            and job.cancel_at is not None
            and now - job.cancel_at < CANCEL_SKEW
        ):
            state = JobState.PROCESSING  # job Canceling, output still Processing (recordings)
        progress = 0
        if state == JobState.FINISHED:
            progress = 100
        elif state in (JobState.PROCESSING, JobState.CANCELING):
            progress = int(task.progress)
        spec = transform.outputs[index] if transform and index < len(transform.outputs) else None
        label = spec.default_label(index) if spec else f"BuiltInStandardEncoderPreset_{index}"
        asset = f"{job.arm_name}-output-{index}"
        if job.v3_outputs is not None and index < len(job.v3_outputs):
            given_label, asset = job.v3_outputs[index]
            # A job created through the API: the default label names the built-in preset.
            label = given_label or f"BuiltInStandardEncoderPreset_{index}"
        out: dict[str, Any] = {
            "@odata.type": "#Microsoft.Media.JobOutputAsset",
            "state": state.label,
            "progress": progress,
            "label": label,
        }
        if task.start_time is not None and not self.mkio:
            out["startTime"] = self.time(task.start_time)
        if task.end_time is not None:
            out["endTime"] = self.time(task.end_time)
        if state == JobState.ERROR and task.error_details:
            v2_code, message = task.error_details[0]
            code, category, retry = ERRORS.get(v2_code, ("ServiceError", "Service", "DoNotRetry"))
            error: dict[str, Any] = {
                "code": code,
                "message": message,
                "category": category,
                "retry": retry,
            }
            if not self.mkio:
                error["details"] = [{"code": v2_code, "message": message}]
            out["error"] = error
        out["assetName"] = asset
        return out


def normalize_input(given: dict[str, Any]) -> dict[str, Any]:
    """An input as the service answers it: wrapped in `JobInputs`, with `files: []` and
    `inputDefinitions: []` on inputs that take them (recordings, EX22/jobs-update.json)."""
    inputs = (
        given.get("inputs") if given.get("@odata.type") == "#Microsoft.Media.JobInputs" else [given]
    )
    out = []
    for item in inputs if isinstance(inputs, list) else []:
        if not isinstance(item, dict):
            continue
        entry: dict[str, Any] = {"@odata.type": item.get("@odata.type")}
        if entry["@odata.type"] != "#Microsoft.Media.JobInputSequence":
            entry["files"] = [f for f in item.get("files") or [] if isinstance(f, str)]
            entry["inputDefinitions"] = []
        entry.update({k: v for k, v in item.items() if k not in entry and v is not None})
        out.append(entry)
    return {"@odata.type": "#Microsoft.Media.JobInputs", "inputs": out}


def _input(job: SimJob) -> dict[str, Any]:
    if job.v3_input is not None:
        return job.v3_input
    inner: dict[str, Any]
    if zlib.crc32(job.id.encode()) % 5 == 0:
        inner = {
            "@odata.type": "#Microsoft.Media.JobInputHttp",
            "files": [f"https://media.contoso.example/uploads/{job.arm_name}.mp4"],
            "inputDefinitions": [],
        }
    else:
        inner = {
            "@odata.type": "#Microsoft.Media.JobInputAsset",
            "files": [],
            "inputDefinitions": [],
            "assetName": f"{job.arm_name}-input",
        }
    return {"@odata.type": "#Microsoft.Media.JobInputs", "inputs": [inner]}

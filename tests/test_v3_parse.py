"""The AMS v3 parser (amstui/ams/arm.py) and the v3 side of the model: recorded payloads,
state words, outputs as tasks, progress, the failed-output flag, error bodies, and a fuzz."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amstui.ams import arm
from amstui.ams.errors import AmsError, InvalidJobIdError, ProtocolError
from amstui.ams.model import UNKNOWN_V3, JobState

PAYLOADS = Path(__file__).parent / "payloads" / "v3"


def load(name: str) -> str:
    return (PAYLOADS / name).read_text(encoding="utf-8")


def job_json(
    state: str = "Processing", outputs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "name": "j1",
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Media/mediaservices/a/transforms/T1/jobs/j1",
        "properties": {
            "created": "2026-03-02T09:30:00Z",
            "state": state,
            "outputs": outputs
            if outputs is not None
            else [
                {
                    "@odata.type": "#Microsoft.Media.JobOutputAsset",
                    "state": state,
                    "progress": 10,
                    "label": "L0",
                    "assetName": "a0",
                }
            ],
        },
    }


def test_get_by_name_example() -> None:
    job = arm.parse_job_body(load("jobs-get-by-name.json"))
    assert job.id == "exampleTransform/job1"
    assert (job.name, job.transform, job.state) == ("job1", "exampleTransform", JobState.QUEUED)
    assert job.created == datetime(2021, 6, 1, tzinfo=UTC)
    assert job.priority_text == "Low" and job.priority == 0
    assert job.inputs == ("job1-InputAsset",)
    assert job.created_by == "contoso@microsoft.com"
    assert job.correlation_data == ()
    assert job.outputs is not None and len(job.outputs) == 1
    out = job.outputs[0]
    assert (out.label, out.state, out.progress, out.asset) == (
        "example-custom-label",
        JobState.QUEUED,
        0,
        "job1-OutputAsset",
    )
    # Outputs are visible through the v2 `tasks` path too.
    assert job.tasks is not None and job.tasks[0].name == "example-custom-label"
    assert job.progress == 0.0 and job.tasks_done == 0
    assert "mediaservices/contosomedia/transforms/exampleTransform" in job.resource_id


def test_list_all_example_states_progress_and_times() -> None:
    jobs, link = arm.parse_jobs_page(load("jobs-list-all.json"), "exampleTransform")
    assert link is None
    assert [j.id for j in jobs] == [
        "exampleTransform/job1",
        "exampleTransform/job2",
        "exampleTransform/job3",
    ]
    assert [j.state for j in jobs] == [JobState.QUEUED, JobState.PROCESSING, JobState.FINISHED]
    assert [j.progress for j in jobs] == [0.0, 50.0, 100.0]
    job2, job3 = jobs[1], jobs[2]
    assert job2.start_time == datetime(2021, 7, 12, 10, 34, 29, 691737, tzinfo=UTC)
    assert job3.end_time == datetime(2021, 7, 12, 10, 44, 29, 691737, tzinfo=UTC)
    assert job3.elapsed() is not None and job3.elapsed().total_seconds() == 600  # type: ignore[union-attr]
    assert job3.tasks_done == 1 and not job3.finished_with_failed_output


def test_recorded_canceled_job() -> None:
    job = arm.parse_job_body(load("job-canceled-recorded.json"))
    assert job.id == "transform9692/job2694"
    assert job.state == JobState.CANCELED and job.is_final
    assert job.created == datetime(2021, 8, 3, 15, 58, 44, 180000, tzinfo=UTC)
    assert job.outputs is not None and job.outputs[0].progress == 0
    assert job.outputs[0].end_time == datetime(2021, 8, 3, 15, 58, 44, 923000, tzinfo=UTC)
    assert job.inputs == (
        "https://amssamples.streaming.mediaservices.windows.net/2e91931e-0d29-482b-a42b-9aadc93eb825/AzurePromo.mp4",
    )
    assert job.created_by is None and job.priority_text == "Normal" and job.priority == 1


def test_mkio_shape() -> None:
    job = arm.parse_job_body(load("mkio-job.json"))
    assert job.id == "h264-ladder/mk-job-7"
    assert job.created == datetime(2024, 5, 30, 9, 12, 44, 123456, tzinfo=UTC)
    assert job.priority == 2 and job.description == "nightly ladder"
    # The query string (a SAS signature) is stripped from the input URL.
    assert job.inputs == ("https://media.example.com/in/clip.mp4",)
    # Mean over outputs, a Finished output counting 100 whatever its own progress says.
    assert job.progress == (40 + 100) / 2
    assert job.outputs is not None and job.outputs[1].progress == 99
    assert job.tasks is not None and job.tasks[1].progress == 100.0


def test_state_words_are_case_insensitive_and_unknown_ones_kept() -> None:
    for word, state in [("processing", JobState.PROCESSING), ("CANCELING", JobState.CANCELING)]:
        assert arm.parse_job(job_json(word)).state == state
    job = arm.parse_job(job_json("Paused"))
    assert job.state.value == UNKNOWN_V3 and not job.state.is_known
    assert not job.state.is_final and not job.state.is_active
    assert job.state_text == "Paused" and job.state.label == "Unknown"
    assert job.outputs is not None and job.outputs[0].state_text == "Paused"


def test_finished_with_failed_output_is_flagged() -> None:
    failed = {
        "state": "Error",
        "progress": 0,
        "label": "Thumbs",
        "assetName": "o1",
        "error": {
            "code": "ContentMalformed",
            "message": "bad input",
            "category": "Content",
            "retry": "DoNotRetry",
            "details": [{"code": "Decode", "message": "frame 12"}],
        },
    }
    ok = {"state": "Finished", "progress": 100, "label": "H264", "assetName": "o0"}
    job = arm.parse_job(job_json("Finished", [ok, failed]))
    assert job.finished_with_failed_output
    assert [o.label for o in job.failed_outputs] == ["Thumbs"]
    err = job.failed_outputs[0].error
    assert err is not None and (err.code, err.category, err.retry) == (
        "ContentMalformed",
        "Content",
        "DoNotRetry",
    )
    assert err.details[0].message == "frame 12"
    assert job.tasks is not None and job.tasks[1].error_details[0].code == "ContentMalformed"
    # The same outputs on a job that ended in Error are not "hidden" failures.
    assert not arm.parse_job(job_json("Error", [ok, failed])).finished_with_failed_output
    assert not arm.parse_job(job_json("Finished", [ok, ok])).finished_with_failed_output


def test_unknown_priority_and_progress_bounds() -> None:
    data = job_json(outputs=[{"state": "Processing", "progress": 250, "label": "x"}])
    data["properties"]["priority"] = "Urgent"
    job = arm.parse_job(data)
    assert job.priority_text == "Urgent" and job.priority == 1
    assert job.outputs is not None and job.outputs[0].progress == 100


def test_transform_from_caller_when_id_missing() -> None:
    data = job_json()
    del data["id"]
    assert arm.parse_job(data, "T9").id == "T9/j1"
    with pytest.raises(ProtocolError):
        arm.parse_job(data)


@pytest.mark.parametrize(
    ("body", "code", "message"),
    [
        (load("error-404.json"), "NotFound", "The requested resource was not found."),
        (load("error-429.json"), "TooManyRequests", "The request is being throttled"),
        ('{"error": {"detail": "project not found"}}', "", "project not found"),
        ('{"error": "Unauthorized token"}', "", "Unauthorized token"),
        (
            '{"error": {"code": "BadRequest", "message": "m", "details": [{"code": "x", "message": "more"}]}}',
            "BadRequest",
            "m; more",
        ),
    ],
)
def test_error_bodies(body: str, code: str, message: str) -> None:
    parsed = arm.parse_error_body(body)
    assert parsed is not None and parsed.code == code and parsed.message.startswith(message)


@pytest.mark.parametrize("body", ["", "not json", "[]", '{"other": 1}', '{"error": 5}'])
def test_error_bodies_that_are_not_errors(body: str) -> None:
    assert arm.parse_error_body(body) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("T/J", ("T", "J")),
        (
            "/subscriptions/s/resourceGroups/r/providers/Microsoft.Media/mediaServices/a/transforms/Enc/jobs/job-1",
            ("Enc", "job-1"),
        ),
    ],
)
def test_job_ids(text: str, expected: tuple[str, str]) -> None:
    assert arm.split_job_id(text) == expected


@pytest.mark.parametrize(
    "text", ["nojob", "T/", "/J", "T/a/b", "T/a?b", "T/../x", "T/a%2Fb", "T/\x1b[31m"]
)
def test_bad_job_ids(text: str) -> None:
    with pytest.raises(InvalidJobIdError):
        arm.split_job_id(text)


@pytest.mark.parametrize(
    "body",
    [
        '{"value": 3}',
        '{"value": [{"name": "a"}]}',
        '{"value": [], "@odata.nextLink": 5}',
        '{"name": "j", "properties": {"state": 3}}',
        '{"name": "j", "id": "/x/transforms/t/jobs/j", "properties": {"state": "Queued", "created": "yesterday"}}',
        '{"name": "j", "id": "/x/transforms/t/jobs/j", "properties": {"state": "Queued", "outputs": [{"state": "Queued", "progress": "50"}]}}',
    ],
)
def test_malformed_bodies_raise_protocol_error(body: str) -> None:
    with pytest.raises(ProtocolError):
        if body.startswith('{"value"'):
            arm.parse_jobs_page(body, "t")
        else:
            arm.parse_job_body(body)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "id",
                    "properties",
                    "state",
                    "outputs",
                    "progress",
                    "created",
                    "startTime",
                    "endTime",
                    "error",
                    "details",
                    "input",
                    "inputs",
                    "files",
                    "baseUri",
                    "assetName",
                    "priority",
                    "correlationData",
                    "systemData",
                    "value",
                    "@odata.nextLink",
                    "label",
                    "code",
                    "message",
                    "detail",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
_date_text = st.sampled_from(
    ["2021-06-01T00:00:00Z", "2024-05-30T09:12:44.123456Z", "2021-13-40T99:00:00Z", "", "\x00"]
)
_output = st.fixed_dictionaries(
    {"state": st.sampled_from(["Processing", "error", "Odd"]) | _leaf},
    optional={
        key: _leaf | _date_text | _json
        for key in ("progress", "label", "assetName", "startTime", "endTime", "error")
    },
)
_job_like = st.fixed_dictionaries(
    {
        # Valid names and ids, so that the fuzz reaches the outputs (`_json` covers bad ones).
        "name": st.sampled_from(["j", "job-2"]),
        "id": st.sampled_from(["/s/transforms/t/jobs/j", ""]),
        "properties": st.fixed_dictionaries(
            {
                "state": st.sampled_from(["Queued", "processing", "Weird"]),
                "created": _date_text | _leaf,
                "outputs": st.lists(_output, min_size=1, max_size=3),
                "input": _json,
                "priority": st.sampled_from(["Low", "high", "Urgent"]),
                "correlationData": _json,
            }
        ),
        "systemData": _json,
    }
)


@settings(max_examples=400, deadline=None)
@given(_json | _job_like | st.fixed_dictionaries({"value": st.lists(_job_like, max_size=3)}))
def test_fuzz_parser_raises_only_own_errors(value: object) -> None:
    body = json.dumps(value)
    for parse in (
        lambda: arm.parse_job_body(body, "t"),
        lambda: arm.parse_jobs_page(body, "t"),
        lambda: arm.parse_transforms_page(body),
    ):
        with contextlib.suppress(AmsError):
            parse()
    arm.parse_error_body(body)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_fuzz_job_ids(text: str) -> None:
    try:
        transform, name = arm.split_job_id(text)
    except InvalidJobIdError:
        return
    assert "/" not in transform and "/" not in name

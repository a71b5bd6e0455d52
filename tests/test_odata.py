"""OData parsing: every response shape, date form and error body AMS sent, and the query builder."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amstui.ams import odata
from amstui.ams.errors import InvalidJobIdError, ProtocolError
from amstui.ams.model import JobState
from tests.conftest import PAYLOADS


def seed_response() -> str:
    return (PAYLOADS / "seed-jobs-response.json").read_text(encoding="utf-8")


HOSTILE_SCALARS = st.sampled_from(
    [
        10**400,
        -(10**400),
        10**30,
        2**63,
        "1" + "0" * 400,
        "9" * 4300,
        "1e400",
        "inf",
        "nan",
        "/Date(" + "9" * 5000 + ")/",
        "/Date(" + "9" * 16 + ")/",
        "\\/Date(-" + "9" * 300 + ")\\/",
        "0001-01-01T00:00:00+05:00",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-05:00",
        "9999-12-31T23:59:59.9999999-00:01",
        "2015-02-11T01:46:08." + "9" * 3000,
        "٢٠١٥-٠٢-١١T01:46:08",
        "²⁰¹⁵-02-11T01:46:08",
    ]
) | st.integers(min_value=-(10**500), max_value=10**500)


class TestSeedPayload:
    def test_parses_the_rest_samples_response(self) -> None:
        jobs = odata.parse_jobs_body(seed_response())
        assert len(jobs) == 1
        job = jobs[0]
        assert job.id == "nb:jid:UUID:f3c43f94-327f-2347-90bb-3bf79f8559f1"
        assert job.name.startswith("Encoding BigBuckBunny")
        assert job.state == JobState.PROCESSING
        assert job.created == datetime(2015, 2, 11, 1, 46, 8, 897000, tzinfo=UTC)
        assert job.start_time == datetime(2015, 2, 11, 1, 46, 16, 580000, tzinfo=UTC)
        assert job.end_time is None
        assert job.running_duration_ms == 0.0
        assert job.template_id is None
        assert job.queue_wait == timedelta(seconds=7, microseconds=683000)
        assert job.tasks is None and job.progress is None

    def test_the_captured_request_file_holds_the_same_body(self) -> None:
        http = (PAYLOADS / "seed-check-job-progress.http").read_text(encoding="utf-8")
        body = http.strip().splitlines()[-1]
        assert json.loads(body) == json.loads(seed_response())


VERBOSE_JOB = r"""{"d":{"__metadata":{"id":"https://x/api/Jobs('nb%3Ajid%3AUUID%3A71d2dd33-efdf-ec43-8ea1-136a110bd42c')","uri":"https://x/api/Jobs('nb%3Ajid%3AUUID%3A71d2dd33-efdf-ec43-8ea1-136a110bd42c')","type":"Microsoft.Cloud.Media.Vod.Rest.Data.Models.Job"},
"Tasks":{"__deferred":{"uri":"https://x/api/Jobs('nb%3Ajid%3AUUID%3A71d2dd33-efdf-ec43-8ea1-136a110bd42c')/Tasks"}},
"Id":"nb:jid:UUID:71d2dd33-efdf-ec43-8ea1-136a110bd42c","Name":"NewTestJob","Created":"2015-01-19T08:04:34.3287057Z","LastModified":"\/Date(1336771959431)\/",
"EndTime":null,"Priority":0,"RunningDuration":0,"StartTime":null,"State":0,"TemplateId":null,
"JobNotificationSubscriptions":{"__metadata":{"type":"Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.JobNotificationSubscription)"},"results":[]}}}"""

VERBOSE_TASKS = r"""{"d":{"results":[{"__metadata":{"id":"https://x/api/Tasks('nb%3Atid%3AUUID%3A45547fae-f89c-406c-8202-773ce47f4ac8')","uri":"u","type":"Microsoft.Cloud.Media.Vod.Rest.Data.Models.Task"},
"OutputMediaAssets":{"__deferred":{"uri":"u"}},"InputMediaAssets":{"__deferred":{"uri":"u"}},"Id":"nb:tid:UUID:45547fae-f89c-406c-8202-773ce47f4ac8","Configuration":"Adaptive Streaming","EndTime":"2020-04-15T18:46:11.477Z",
"ErrorDetails":{"__metadata":{"type":"Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.ErrorDetail)"},"results":[{"Code":"TransientError","Message":"try again"}]},
"HistoricalEvents":{"__metadata":{"type":"Collection(Microsoft.Cloud.Media.Vod.Rest.Data.Models.TaskHistoricalEvent)"},"results":[{"Code":"WaitingForFreeResources","Message":"","TimeStamp":"2020-04-15T18:45:16.37"},{"Code":"Finished","Message":"","TimeStamp":"2020-04-15T18:46:11.477"}]},
"MediaProcessorId":"nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56","Name":"t","PerfMessage":"p","Priority":0,"Progress":100,"RunningDuration":39605,"StartTime":"2020-04-15T18:45:24.54Z","State":3,
"TaskBody":"<taskBody/>","Options":0,"EncryptionKeyId":null,"EncryptionScheme":"None","EncryptionVersion":null,"InitializationVector":null,"TaskNotificationSubscriptions":{"__metadata":{"type":"Collection(x)"},"results":[]}}]}}"""


class TestShapes:
    def test_verbose_single_job_with_metadata_and_deferred(self) -> None:
        job = odata.parse_job_body(VERBOSE_JOB)
        assert job.id.endswith("136a110bd42c")
        assert job.state == JobState.QUEUED
        assert job.created == datetime(2015, 1, 19, 8, 4, 34, 328705, tzinfo=UTC)
        assert job.last_modified == datetime(2012, 5, 11, 21, 32, 39, 431000, tzinfo=UTC)

    def test_verbose_tasks_collection_with_collection_wrappers(self) -> None:
        (task,) = odata.parse_tasks_body(VERBOSE_TASKS)
        assert task.state == JobState.FINISHED and task.progress == 100.0
        assert task.running_duration_ms == 39605
        assert task.error_details[0].code == "TransientError"
        assert [e.code for e in task.historical_events] == ["WaitingForFreeResources", "Finished"]
        assert task.historical_events[0].timestamp == datetime(
            2020, 4, 15, 18, 45, 16, 370000, tzinfo=UTC
        )
        assert task.duration() == timedelta(seconds=46, microseconds=937000)

    def test_minimal_single_entity_element(self) -> None:
        body = json.dumps(
            {
                "odata.metadata": "https://x/api/$metadata#Jobs/@Element",
                "Id": "nb:jid:UUID:1",
                "Name": "n",
                "State": 3,
                "Created": "2015-02-11T01:46:08",
            }
        )
        job = odata.parse_job_body(body)
        assert job.state == JobState.FINISHED and job.progress == 100.0

    def test_plain_json_without_metadata_and_v2_d_list(self) -> None:
        entity = {"Id": "nb:jid:UUID:2", "Name": "n", "State": 1, "Created": None}
        assert odata.parse_jobs_body(json.dumps({"value": [entity]}))[0].state == 1
        assert odata.parse_jobs_body(json.dumps({"d": [entity]}))[0].id == "nb:jid:UUID:2"

    def test_unknown_state_is_kept_not_fatal(self) -> None:
        body = json.dumps({"value": [{"Id": "nb:jid:UUID:3", "State": 42, "Created": None}]})
        job = odata.parse_jobs_body(body)[0]
        assert int(job.state) == 42 and not job.state.is_known
        assert job.state.label == "Unknown(42)" and not job.is_final

    @pytest.mark.parametrize(
        "body",
        [
            "",
            "not json",
            "[]",
            '{"value": 3}',
            '{"value": [1, 2]}',
            '{"d": 7}',
            '{"value": [{"Name": "no id", "State": 1}]}',
            '{"value": [{"Id": "x"}]}',
            '{"value": [{"Id": "x", "State": "two"}]}',
            '{"value": [{"Id": "x", "State": 1, "Created": "yesterday"}]}',
            '{"value": [{"Id": "x", "State": 1, "RunningDuration": "NaN"}]}',
            '{"something": "else"}',
        ],
    )
    def test_malformed_bodies_raise_protocol_error(self, body: str) -> None:
        with pytest.raises(ProtocolError):
            odata.parse_jobs_body(body)

    @settings(max_examples=300, deadline=None)
    @given(
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats()
            | st.text(max_size=30)
            | HOSTILE_SCALARS,
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        [
                            "Id",
                            "Name",
                            "State",
                            "Created",
                            "value",
                            "d",
                            "results",
                            "Progress",
                            "ErrorDetails",
                            "HistoricalEvents",
                            "TimeStamp",
                            "RunningDuration",
                            "x",
                        ]
                    ),
                    children,
                    max_size=6,
                )
            ),
            max_leaves=25,
        )
    )
    def test_arbitrary_json_raises_only_protocol_error(self, payload: object) -> None:
        body = json.dumps(payload)
        for parse in (odata.parse_jobs_body, odata.parse_job_body, odata.parse_tasks_body):
            with contextlib.suppress(ProtocolError):
                parse(body)

    @settings(max_examples=300, deadline=None)
    @given(
        st.sampled_from(
            [
                "Created",
                "StartTime",
                "EndTime",
                "LastModified",
                "RunningDuration",
                "Priority",
                "State",
                "Progress",
            ]
        ),
        HOSTILE_SCALARS,
    )
    def test_hostile_values_in_every_field_raise_only_protocol_error(
        self, key: str, value: object
    ) -> None:
        entity = {"Id": "nb:jid:UUID:1", "State": 2, key: value}
        task = {**entity, "HistoricalEvents": [{"Code": "c", "TimeStamp": value}]}
        for parse, body in (
            (odata.parse_jobs_body, json.dumps({"value": [entity]})),
            (odata.parse_tasks_body, json.dumps({"value": [task]})),
            (odata.parse_job_body, json.dumps(entity)),
        ):
            with contextlib.suppress(ProtocolError):
                parse(body)

    @pytest.mark.parametrize(
        "literal",
        ["1" + "0" * 400, "7" * 4300, "-" + "9" * 5000, "1e400", "-1e400", "9" * 4301 + ".5"],
        ids=["1e400-digits", "4300-digits", "5000-digits", "1e400", "-1e400", "4301-digit-float"],
    )
    def test_huge_json_numbers_are_protocol_errors(self, literal: str) -> None:
        for key in ("RunningDuration", "Progress", "Priority", "State"):
            fields = f'"State": {literal}' if key == "State" else f'"State": 2, "{key}": {literal}'
            body = '{"value": [{"Id": "x", ' + fields + "}]}"
            if key != "Progress":  # a task field only
                with pytest.raises(ProtocolError):
                    odata.parse_jobs_body(body)
            with pytest.raises(ProtocolError):
                odata.parse_tasks_body(body)

    @settings(max_examples=200, deadline=None)
    @given(st.binary(max_size=200))
    def test_arbitrary_bytes_raise_only_protocol_error(self, body: bytes) -> None:
        with contextlib.suppress(ProtocolError):
            odata.parse_jobs_body(body)


class TestDates:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2015-02-11T01:46:08", datetime(2015, 2, 11, 1, 46, 8, tzinfo=UTC)),
            ("2015-02-11T01:46:08.8", datetime(2015, 2, 11, 1, 46, 8, 800000, tzinfo=UTC)),
            ("2015-02-11T01:46:16.58", datetime(2015, 2, 11, 1, 46, 16, 580000, tzinfo=UTC)),
            ("2015-02-11T01:46:08.897", datetime(2015, 2, 11, 1, 46, 8, 897000, tzinfo=UTC)),
            ("2015-01-19T08:04:34.3287057Z", datetime(2015, 1, 19, 8, 4, 34, 328705, tzinfo=UTC)),
            ("2015-01-19T08:04:34.328705Z", datetime(2015, 1, 19, 8, 4, 34, 328705, tzinfo=UTC)),
            ("2015-01-19T10:04:34+02:00", datetime(2015, 1, 19, 8, 4, 34, tzinfo=UTC)),
            ("2015-01-19T03:04:34.5-0500", datetime(2015, 1, 19, 8, 4, 34, 500000, tzinfo=UTC)),
            ("/Date(1336771959431)/", datetime(2012, 5, 11, 21, 32, 39, 431000, tzinfo=UTC)),
            ("\\/Date(1336771959431)\\/", datetime(2012, 5, 11, 21, 32, 39, 431000, tzinfo=UTC)),
            ("/Date(1336771959431+0200)/", datetime(2012, 5, 11, 21, 32, 39, 431000, tzinfo=UTC)),
            ("/Date(-1000)/", datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)),
            (None, None),
        ],
    )
    def test_every_form(self, text: str | None, expected: datetime | None) -> None:
        parsed = odata.parse_date(text)
        assert parsed == expected
        if parsed is not None:
            assert parsed.tzinfo is UTC

    def test_escaped_form_inside_json(self) -> None:
        # In JSON text the escaped form decodes to the plain one.
        assert json.loads(r'"\/Date(5)\/"') == "/Date(5)/"

    @pytest.mark.parametrize(
        "text",
        [
            "2015-13-11T01:46:08",
            "2015-02-30T00:00:00",
            "tomorrow",
            "/Date(abc)/",
            "",
            "2015-02-11T01:46:08+25:00",
            "/Date(99999999999999999999)/",
            "/Date(" + "9" * 5000 + ")/",
            "/Date(-" + "9" * 5000 + ")/",
            "/Date(" + "9" * 15 + ")/",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31T23:00:00-05:00",
            "0000-01-01T00:00:00",
            "2015-02-11T01:46:08." + "1" * 5000,
            "٢٠١٥-02-11T01:46:08",
            5,
        ],
    )
    def test_odd_dates_raise_protocol_error(self, text: object) -> None:
        with pytest.raises(ProtocolError):
            odata.parse_date(text)


class TestErrors:
    def test_verbose_error_body_from_ams(self) -> None:
        body = (
            '{"error":{"code":"","message":{"lang":"en-US","value":"Parsing request content '
            'failed due to: Make sure to only use property names that are defined by the type"}}}'
        )
        err = odata.parse_error_body(body)
        assert err is not None and err.message.startswith("Parsing request content failed")

    def test_json_light_error_body(self) -> None:
        body = '{"odata.error":{"code":"X","message":{"lang":"en-US","value":"No such job"}}}'
        err = odata.parse_error_body(body)
        assert err == odata.ODataErrorBody(code="X", message="No such job")

    @pytest.mark.parametrize("body", ["", "<html/>", "[1]", '{"error": 3}', '{"a": {}}'])
    def test_not_an_error_body(self, body: str) -> None:
        assert odata.parse_error_body(body) is None


class TestQueries:
    def test_quote_is_doubled_and_encoded(self) -> None:
        clause = odata.compare("Name", "eq", "Bob's cut")
        assert clause == "Name eq 'Bob''s cut'"
        qs = odata.query_string({"$filter": clause, "$top": 1})
        assert qs == "$filter=Name%20eq%20'Bob''s%20cut'&$top=1"

    def test_hostile_values_never_reach_the_url_unescaped(self) -> None:
        hostile = "x' or 1 eq 1 or Name eq '&$top=5#/../"
        qs = odata.query_string({"$filter": odata.compare("Name", "eq", hostile)})
        assert "&" not in qs.split("=", 1)[1] and "#" not in qs and "/" not in qs
        assert "'x'' or 1 eq 1 or Name eq ''" in qs.replace("%20", " ")

    def test_sample_request_form(self) -> None:
        job_id = "nb:jid:UUID:f3c43f94-327f-2347-90bb-3bf79f8559f1"
        qs = odata.query_string({"$filter": odata.compare("Id", "eq", job_id), "$top": 1})
        assert (
            qs
            == "$filter=Id%20eq%20'nb%3Ajid%3AUUID%3Af3c43f94-327f-2347-90bb-3bf79f8559f1'&$top=1"
        )
        assert odata.key_segment("Jobs", job_id) == (
            "Jobs('nb%3Ajid%3AUUID%3Af3c43f94-327f-2347-90bb-3bf79f8559f1')"
        )

    def test_datetime_literal_is_utc(self) -> None:
        moment = datetime(2026, 1, 2, 5, 0, tzinfo=timezone(timedelta(hours=2)))
        assert odata.literal(moment) == "datetime'2026-01-02T03:00:00.000'"
        with pytest.raises(ValueError):
            odata.literal(datetime(2026, 1, 2))

    def test_builders(self) -> None:
        states = odata.state_in([JobState.QUEUED, JobState.PROCESSING])
        assert states == "(State eq 0 or State eq 2)"
        assert (
            odata.all_of(states, "Priority gt 1") == "(State eq 0 or State eq 2) and Priority gt 1"
        )
        assert odata.orderby([("Created", True), ("Name", False)]) == "Created desc,Name"
        assert odata.startswith("Name", "a'b") == "startswith(Name,'a''b')"
        with pytest.raises(ValueError):
            odata.compare("Name) or (1", "eq", 1)
        with pytest.raises(ValueError):
            odata.compare("Name", "like", 1)

    @pytest.mark.parametrize(
        "bad",
        [
            "",
            "nb:jid:UUID:",
            "f3c43f94-327f-2347-90bb-3bf79f8559f1",
            "nb:jid:UUID:f3c43f94-327f-2347-90bb-3bf79f8559f1' or '1",
            "nb:tid:UUID:f3c43f94-327f-2347-90bb-3bf79f8559f1",
        ],
    )
    def test_job_ids_are_validated(self, bad: str) -> None:
        with pytest.raises(InvalidJobIdError):
            odata.validate_job_id(bad)

    def test_valid_job_id_is_stripped(self) -> None:
        jid = " nb:jid:UUID:F3C43F94-327f-2347-90bb-3bf79f8559f1\n"
        assert odata.validate_job_id(jid) == jid.strip()

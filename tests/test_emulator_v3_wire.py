"""The ARM shape on the wire, read as raw JSON (the SDK drops unknown keys, so fidelity is
checked here): resources against the reference's examples, protocol rules, queries, paging,
headers, throttling, cancel and delete rules, faults and admin."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from amstui.ams.model import JobState
from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.simulation import SimConfig, SimJob
from tests.conftest import START

EXAMPLES = json.loads((Path(__file__).parent / "data" / "ams_v3_examples.json").read_text())
SUB = "00000000-0000-0000-0000-000000000000"
ROOT = (
    f"/subscriptions/{SUB}/resourceGroups/amstui-demo/providers/Microsoft.Media"
    "/mediaServices/amstuidemo/"
)
AV = {"api-version": "2022-07-01"}
AUTH = {"Authorization": "Bearer t"}
CT = "application/json; odata.metadata=minimal; odata.streaming=true"
ARM_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$")


def make(api: str = "v3", **config: Any) -> Emulator:
    sim = config.pop("sim", None) or SimConfig(
        seed=8, jobs=300, active=40, concurrency=6, error_rate=0.15, cancel_seconds=35.0
    )
    return Emulator(EmulatorConfig(sim=sim, start=START, speed=0.0, api=api, **config))


def client(emu: Emulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=emu.transport(), base_url="http://127.0.0.1")


def job_where(emu: Emulator, test: Any) -> SimJob:
    now = emu.now()
    for job in emu.sim.job_list():
        if test(job, emu.sim.view(job, now)):
            return job
    raise AssertionError("no such job")


def job_path(job: SimJob) -> str:
    return f"{ROOT}transforms/{job.transform}/jobs/{job.arm_name}"


def shape(value: Any) -> Any:
    """Keys (in order) and value types, recursively: what must match the examples."""
    if isinstance(value, dict):
        return [(k, shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


class TestResources:
    async def test_queued_job_matches_the_get_example(self) -> None:
        emu = make()
        url = f"{ROOT}transforms/AudioAnalysis/jobs/job1"
        request = {  # EX22/jobs-create.json, with the label of jobs-get-by-name.json
            "properties": {
                "input": {
                    "@odata.type": "#Microsoft.Media.JobInputAsset",
                    "assetName": "job1-InputAsset",
                },
                "outputs": [
                    {
                        "@odata.type": "#Microsoft.Media.JobOutputAsset",
                        "assetName": "job1-OutputAsset",
                        "label": "example-custom-label",
                    }
                ],
                "priority": "Low",
            }
        }
        async with client(emu) as c:
            assert (await c.put(url, params=AV, headers=AUTH, json=request)).status_code == 201
            body = (await c.get(url, params=AV, headers=AUTH)).json()
        example = EXAMPLES["queued_job"]
        assert shape(body) == shape(example)
        assert body["type"] == example["type"]
        assert body["id"] == (
            f"/subscriptions/{SUB}/resourceGroups/amstui-demo/providers/Microsoft.Media/"
            "mediaservices/amstuidemo/transforms/AudioAnalysis/jobs/job1"
        )
        assert body["properties"]["input"] == example["properties"]["input"]
        assert body["properties"]["outputs"] == example["properties"]["outputs"]
        assert ARM_TIME.match(body["properties"]["created"])

    async def put_and_run(
        self, c: httpx.AsyncClient, emu: Emulator, name: str, job_input: dict[str, Any]
    ) -> str:
        """Create a one-output job through the API and step the clock until it processes."""
        url = f"{ROOT}transforms/AudioAnalysis/jobs/{name}"
        request = {
            "properties": {
                "input": job_input,
                "outputs": [{"@odata.type": "#Microsoft.Media.JobOutputAsset", "assetName": "out"}],
            }
        }
        assert (await c.put(url, params=AV, headers=AUTH, json=request)).status_code == 201
        for _ in range(120):
            emu.advance(0.5)
            state = (await c.get(url, params=AV, headers=AUTH)).json()["properties"]["state"]
            if state == "Processing":
                return url
        raise AssertionError(f"the job never processed (last state {state})")

    async def test_processing_job_matches_the_list_example(self) -> None:
        emu = make(sim=SimConfig(seed=2, jobs=5, active=0, error_rate=0.0, task_seconds=600))
        async with client(emu) as c:
            url = await self.put_and_run(
                c, emu, "job2", {"@odata.type": "#Microsoft.Media.JobInputAsset", "assetName": "a"}
            )
            emu.advance(30)
            body = (await c.get(url, params=AV, headers=AUTH)).json()
        props = body["properties"]
        example = EXAMPLES["processing_job_properties"]
        ours = {k: v for k, v in props.items() if k != "input"}
        assert shape(ours) == shape(example)
        progress = props["outputs"][0]["progress"]
        assert isinstance(progress, int) and 0 < progress < 100
        assert "endTime" not in props and "endTime" not in props["outputs"][0]
        assert "null" not in json.dumps(body)

    async def test_canceled_job_matches_the_recording(self) -> None:
        emu = make(sim=SimConfig(seed=2, jobs=5, active=0, error_rate=0.0, task_seconds=600))
        recorded = EXAMPLES["canceled_job"]
        async with client(emu) as c:
            url = await self.put_and_run(
                c, emu, "job2694", recorded["properties"]["input"]["inputs"][0]
            )
            r = await c.post(url + "/cancelJob", params=AV, headers=AUTH)
            assert r.status_code == 200 and r.content == b""
            emu.advance(60)
            body = (await c.get(url, params=AV, headers=AUTH)).json()
        assert body["properties"]["state"] == "Canceled"
        # GET answers carry only the dates in systemData, as recorded.
        body["systemData"] = {
            k: v for k, v in body["systemData"].items() if k in ("createdAt", "lastModifiedAt")
        }
        assert shape(body) == shape(recorded)
        assert body["properties"]["input"] == recorded["properties"]["input"]
        assert body["properties"]["lastModified"] == body["properties"]["created"]

    async def test_seeded_jobs_carry_system_data_with_or_without_creator(self) -> None:
        emu = make()
        async with client(emu) as c:
            jobs = (
                await c.get(f"{ROOT}transforms/AdaptiveStreaming/jobs", params=AV, headers=AUTH)
            ).json()["value"]
        forms = {tuple(j["systemData"]) for j in jobs}
        assert forms == {
            ("createdAt", "lastModifiedAt"),
            tuple(EXAMPLES["queued_job"]["systemData"]),
        }

    async def test_transforms_match_the_example(self) -> None:
        emu = make()
        async with client(emu) as c:
            body = (await c.get(ROOT + "transforms", params=AV, headers=AUTH)).json()
        assert "@odata.nextLink" not in body
        builtin = [
            t
            for t in body["value"]
            if len(t["properties"]["outputs"]) == 1
            and "presetName" in t["properties"]["outputs"][0]["preset"]
        ]
        assert builtin and shape(builtin[0]) == shape(EXAMPLES["transform"])
        kinds = {t["name"] for t in body["value"]}
        assert {"AdaptiveStreaming", "ContentAwareEncoding", "Thumbnails", "AudioAnalysis"} <= kinds
        for t in body["value"]:
            assert 1 <= len(t["properties"]["outputs"]) <= 3

    async def test_error_output_carries_the_documented_error(self) -> None:
        emu = make(sim=SimConfig(seed=4, jobs=60, active=0, error_rate=1.0))
        codes = set()
        async with client(emu) as c:
            for transform in ("AdaptiveStreaming", "ContentAwareEncoding", "H264Renditions"):
                url = f"{ROOT}transforms/{transform}/jobs"
                for job in (await c.get(url, params=AV, headers=AUTH)).json()["value"]:
                    for out in job["properties"]["outputs"]:
                        if out["state"] != "Error":
                            assert "error" not in out
                            continue
                        error = out["error"]
                        assert list(error) == ["code", "message", "category", "retry", "details"]
                        assert error["category"] in (
                            "Service",
                            "Download",
                            "Upload",
                            "Configuration",
                            "Content",
                            "Account",
                        )
                        assert error["retry"] in ("DoNotRetry", "MayRetry")
                        assert error["details"] and set(error["details"][0]) == {"code", "message"}
                        codes.add(error["code"])
        assert codes and codes <= {
            "ServiceError",
            "ServiceTransientError",
            "DownloadNotAccessible",
            "DownloadTransientError",
            "UploadNotAccessible",
            "UploadTransientError",
            "ConfigurationUnsupported",
            "ContentMalformed",
            "ContentUnsupported",
            "IdentityUnsupported",
        }

    async def test_continue_job_output_fails_while_the_job_finishes(self) -> None:
        emu = make(sim=SimConfig(seed=4, jobs=80, active=0, error_rate=1.0))
        async with client(emu) as c:
            url = f"{ROOT}transforms/AdaptiveStreaming/jobs"
            jobs = (await c.get(url, params=AV, headers=AUTH)).json()["value"]
        hidden = [
            j
            for j in jobs
            if j["properties"]["state"] == "Finished"
            and any(o["state"] == "Error" for o in j["properties"]["outputs"])
        ]
        assert hidden, "a ContinueJob output failed under a Finished job"
        failed = [o for o in hidden[0]["properties"]["outputs"] if o["state"] == "Error"]
        assert failed[0]["label"] == "StandardEncoderPreset_1"  # the thumbnail sprite output


class TestProtocol:
    async def test_api_version_rules(self) -> None:
        emu = make()
        async with client(emu) as c:
            missing = await c.get(ROOT + "transforms", headers=AUTH)
            bad = await c.get(
                ROOT + "transforms", params={"api-version": "2023-01-01"}, headers=AUTH
            )
            versions = [
                "2018-07-01",
                "2020-05-01",
                "2021-06-01",
                "2021-11-01",
                "2022-07-01",
                "2018-03-30-preview",
                "2018-06-01-preview",
                "2019-05-01-preview",
                "2022-05-01-preview",
            ]
            ok = [
                (
                    await c.get(ROOT + "transforms", params={"api-version": v}, headers=AUTH)
                ).status_code
                for v in versions
            ]
        assert missing.status_code == 400
        assert missing.json() == {
            "error": {
                "code": "MissingApiVersionParameter",
                "message": "The api-version query parameter (?api-version=) is required for all requests.",
            }
        }
        assert bad.status_code == 400
        assert bad.json()["error"]["code"] == "InvalidApiVersionParameter"
        assert "'2023-01-01' is invalid" in bad.json()["error"]["message"]
        assert ok == [200] * len(versions)

    async def test_paths_are_case_insensitive_and_other_accounts_are_404(self) -> None:
        emu = make()
        async with client(emu) as c:
            lower = ROOT.lower().replace("mediaservices", "MEDIASERVICES")
            assert (
                await c.get(lower + "TRANSFORMS/thumbnails", params=AV, headers=AUTH)
            ).status_code == 200
            codes = {}
            for name, path in {
                "sub": ROOT.replace(SUB, "11111111-1111-1111-1111-111111111111"),
                "rg": ROOT.replace("amstui-demo", "other-rg"),
                "account": ROOT.replace("amstuidemo", "otheraccount"),
            }.items():
                r = await c.get(path + "transforms", params=AV, headers=AUTH)
                assert r.status_code == 404
                codes[name] = r.json()["error"]["code"]
            missing = await c.get(ROOT + "transforms/Thumbnails/jobs/nope", params=AV, headers=AUTH)
        assert codes == {
            "sub": "SubscriptionNotFound",
            "rg": "ResourceGroupNotFound",
            "account": "ResourceNotFound",
        }
        assert missing.status_code == 404 and missing.json() == EXAMPLES["not_found"]

    async def test_auth_rules(self) -> None:
        emu = make(token="only-this")
        async with client(emu) as c:
            none = await c.get(ROOT + "transforms", params=AV)
            wrong = await c.get(
                ROOT + "transforms", params=AV, headers={"Authorization": "Bearer x"}
            )
            right = await c.get(
                ROOT + "transforms", params=AV, headers={"Authorization": "Bearer only-this"}
            )
        assert none.status_code == 401 and wrong.status_code == 401 and right.status_code == 200
        assert none.json()["error"]["code"] == "AuthenticationFailed"
        assert wrong.json()["error"]["code"] == "InvalidAuthenticationToken"
        assert "only-this" not in wrong.text

    async def test_headers_on_reads_and_writes(self) -> None:
        emu = make()
        job = job_where(emu, lambda j, v: v.state == JobState.PROCESSING)
        async with client(emu) as c:
            first = await c.get(
                ROOT + "transforms", params=AV, headers={**AUTH, "x-ms-client-request-id": "abc-1"}
            )
            second = await c.get(ROOT + "transforms", params=AV, headers=AUTH)
            cancel = await c.post(job_path(job) + "/cancelJob", params=AV, headers=AUTH)
        for r in (first, second):
            assert r.headers["content-type"] == CT
            assert r.headers["odata-version"] == "4.0"
            assert r.headers["x-ms-request-id"]
            assert r.headers["x-ms-routing-request-id"].endswith(r.headers["x-ms-request-id"])
        assert first.headers["x-ms-correlation-request-id"] == "abc-1"
        assert first.headers["x-ms-request-id"] != second.headers["x-ms-request-id"]
        reads = [
            int(r.headers["x-ms-ratelimit-remaining-subscription-reads"]) for r in (first, second)
        ]
        assert reads[0] > reads[1]
        assert cancel.status_code == 200 and cancel.headers["content-length"] == "0"
        assert int(cancel.headers["x-ms-ratelimit-remaining-subscription-writes"]) >= 0
        assert "x-ms-ratelimit-remaining-subscription-reads" not in cancel.headers

    async def test_arm_throttle_answers_429_with_retry_after(self) -> None:
        emu = make(arm_throttle=True)
        statuses = []
        async with client(emu) as c:
            for _ in range(400):
                r = await c.get(ROOT + "transforms/Thumbnails", params=AV, headers=AUTH)
                statuses.append(r.status_code)
                if r.status_code == 429:
                    break
        assert statuses[-1] == 429, "the read bucket (250) ran out"
        assert 250 <= len(statuses) - 1 < 400
        assert int(r.headers["retry-after"]) >= 1
        error = r.json()["error"]
        assert error["code"] == "TooManyRequests"
        assert error["message"].startswith(
            "The request is being throttled as the limit has been reached for operation type - "
        )

    async def test_without_arm_throttle_nothing_is_refused(self) -> None:
        emu = make()
        async with client(emu) as c:
            statuses = {
                (await c.get(ROOT + "transforms/Thumbnails", params=AV, headers=AUTH)).status_code
                for _ in range(300)
            }
        assert statuses == {200}


class TestQueries:
    async def list_jobs(
        self, emu: Emulator, transform: str = "AdaptiveStreaming", **params: str
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        async with client(emu) as c:
            r = await c.get(
                f"{ROOT}transforms/{transform}/jobs", params={**AV, **params}, headers=AUTH
            )
            assert r.status_code == 200, r.text
            body = r.json()
            items += body["value"]
            while "@odata.nextLink" in body:
                body = (await c.get(body["@odata.nextLink"], headers=AUTH)).json()
                items += body["value"]
        return items

    async def test_documented_filter_examples(self) -> None:
        emu = make()
        everything = await self.list_jobs(emu)
        by_state: dict[str, int] = {}
        for j in everything:
            by_state[j["properties"]["state"]] = by_state.get(j["properties"]["state"], 0) + 1
        processing = await self.list_jobs(
            emu, **{"$filter": "properties/state eq Microsoft.Media.JobState'Processing'"}
        )
        assert len(processing) == by_state["Processing"]
        target = everything[5]["name"]
        named = await self.list_jobs(
            emu,
            **{
                "$filter": f"name eq '{target}' and properties/state eq Microsoft.Media.JobState'{everything[5]['properties']['state'].lower()}'"
            },
        )
        assert [j["name"] for j in named] == [target]
        created = sorted(j["properties"]["created"] for j in everything)
        low, high = created[10], created[30]
        window = await self.list_jobs(
            emu,
            **{
                "$filter": f"properties/created ge {low} and properties/created le {high}",
                "$orderby": "properties/created",
            },
        )
        dates = [j["properties"]["created"] for j in window]
        assert dates == sorted(dates) and len(dates) >= 21
        assert all(low <= d <= high for d in dates)
        recent = await self.list_jobs(
            emu,
            **{
                "$filter": f"properties/lastmodified ge {high}",
                "$orderby": "properties/lastmodified desc",
            },
        )
        assert [j["properties"]["lastModified"] for j in recent] == sorted(
            (
                j["properties"]["lastModified"]
                for j in everything
                if j["properties"]["lastModified"] >= high
            ),
            reverse=True,
        )
        either = await self.list_jobs(
            emu,
            **{
                "$filter": "(Properties/State eq Microsoft.Media.JobState'Queued' or "
                "properties/state eq microsoft.media.jobstate'SCHEDULED') and "
                f"properties/created gt {low}"
            },
        )
        assert {j["properties"]["state"] for j in either} <= {"Queued", "Scheduled"}
        assert len(either) == sum(
            1
            for j in everything
            if j["properties"]["state"] in ("Queued", "Scheduled")
            and j["properties"]["created"] > low
        )
        not_finished = await self.list_jobs(
            emu, **{"$filter": "properties/state ne Microsoft.Media.JobState'Finished'"}
        )
        assert len(not_finished) == len(everything) - by_state.get("Finished", 0)

    @pytest.mark.parametrize(
        ("option", "text"),
        [
            ("$filter", "name gt 'a'"),
            ("$filter", "properties/state gt Microsoft.Media.JobState'Queued'"),
            ("$filter", "properties/state eq 'Queued'"),
            ("$filter", "properties/state eq Microsoft.Media.JobState'Paused'"),
            ("$filter", "properties/created eq 2021-01-01T00:00:00Z"),
            ("$filter", "properties/created gt '2021-01-01T00:00:00Z'"),
            ("$filter", "properties/created gt 2021-13-45T00:00:00Z"),
            ("$filter", "properties/priority eq 'High'"),
            ("$filter", "name eq 'a' and"),
            ("$filter", "(name eq 'a'"),
            ("$filter", "startswith(name, 'a')"),
            ("$filter", " or ".join(["name eq 'x'"] * 40)),
            ("$filter", "x" * 5000),
            ("$orderby", "properties/state"),
            ("$orderby", "name sideways"),
            ("$orderby", "name, name desc"),
            ("$skiptoken", "not-a-token"),
            ("$top", "0"),
            ("$top", "²"),
            ("$top", "9" * 5000),
            ("$expand", "outputs"),
        ],
    )
    async def test_unsupported_queries_are_arm_400(self, option: str, text: str) -> None:
        emu = make()
        async with client(emu) as c:
            r = await c.get(
                f"{ROOT}transforms/Thumbnails/jobs", params={**AV, option: text}, headers=AUTH
            )
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] == "BadRequest"
        assert r.headers["content-type"] == CT

    async def test_pages_chain_with_absolute_next_links(self) -> None:
        emu = make(page_size=9)
        async with client(emu) as c:
            r = await c.get(f"{ROOT}transforms/AdaptiveStreaming/jobs", params=AV, headers=AUTH)
            body = r.json()
            assert len(body["value"]) == 9
            link = urlsplit(body["@odata.nextLink"])
            assert link.scheme == "http" and link.netloc == "127.0.0.1"
            assert link.path == f"{ROOT}transforms/AdaptiveStreaming/jobs"
            query = parse_qs(link.query)
            assert query["api-version"] == ["2022-07-01"] and query["$skiptoken"]
            names = [j["name"] for j in body["value"]]
            pages = 1
            while "@odata.nextLink" in body:
                body = (await c.get(body["@odata.nextLink"], headers=AUTH)).json()
                names += [j["name"] for j in body["value"]]
                pages += 1
        expected = sorted(
            j.arm_name for j in emu.sim.job_list() if j.transform == "AdaptiveStreaming"
        )
        assert names == expected  # default order: name; nothing twice, nothing lost
        assert pages == -(-len(expected) // 9)

    async def test_skiptoken_is_a_position_key(self) -> None:
        """Purging the page just read and adding jobs does not shift the next page."""
        emu = make(page_size=10)
        url = f"{ROOT}transforms/AdaptiveStreaming/jobs"
        order = {**AV, "$orderby": "properties/created"}
        async with client(emu) as c:
            first = (await c.get(url, params=order, headers=AUTH)).json()
            seen = [j["name"] for j in first["value"]]
            for job in list(emu.sim.job_list()):
                if job.arm_name in seen[:5]:
                    emu.sim.remove(job.id)
            emu.sim.create_job(emu.now(), transform="AdaptiveStreaming")
            second = (await c.get(first["@odata.nextLink"], headers=AUTH)).json()
        remaining = sorted(
            (j for j in emu.sim.job_list() if j.transform == "AdaptiveStreaming"),
            key=lambda j: (j.created, j.arm_name),
        )
        after_first = [j.arm_name for j in remaining if j.arm_name not in seen]
        assert [j["name"] for j in second["value"]] == after_first[:10]

    async def test_last_page_has_no_next_link(self) -> None:
        emu = make(page_size=1000)
        async with client(emu) as c:
            body = (
                await c.get(f"{ROOT}transforms/Thumbnails/jobs", params=AV, headers=AUTH)
            ).json()
        assert body["value"] and "@odata.nextLink" not in body


class TestWrites:
    async def test_cancel_rules_and_state_skew(self) -> None:
        emu = make()
        job = job_where(emu, lambda j, v: v.state == JobState.PROCESSING)
        async with client(emu) as c:
            r = await c.post(job_path(job) + "/cancelJob", params=AV, headers=AUTH)
            assert r.status_code == 200 and r.content == b""
            body = (await c.get(job_path(job), params=AV, headers=AUTH)).json()
            assert body["properties"]["state"] == "Canceling"
            assert body["properties"]["outputs"][0]["state"] == "Processing"  # recorded skew
            delete = await c.delete(job_path(job), params=AV, headers=AUTH)
            assert delete.status_code == 400
            error = delete.json()["error"]
            assert error["code"] == "BadRequest"
            assert error["message"].startswith(
                f"The job Delete operation for '{job.arm_name}' resource failed. "
                "The job is in the 'Canceling' state"
            )
            emu.advance(20)
            assert (await c.get(job_path(job), params=AV, headers=AUTH)).json()["properties"][
                "state"
            ] == "Canceling"  # Canceling lasts a while (recordings: more than 30 s)
            emu.advance(30)
            assert (await c.get(job_path(job), params=AV, headers=AUTH)).json()["properties"][
                "state"
            ] == "Canceled"
            again = await c.post(job_path(job) + "/cancelJob", params=AV, headers=AUTH)
            assert again.status_code == 200  # canceling a final job: a documented no-op
            assert (await c.delete(job_path(job), params=AV, headers=AUTH)).status_code == 200
            assert (await c.get(job_path(job), params=AV, headers=AUTH)).status_code == 404
            assert (await c.delete(job_path(job), params=AV, headers=AUTH)).status_code == 204

    async def test_put_and_patch(self) -> None:
        emu = make()
        url = f"{ROOT}transforms/ContentAwareEncoding/jobs/my-job.1"
        body = {
            "properties": {
                "input": {
                    "@odata.type": "#Microsoft.Media.JobInputAsset",
                    "assetName": "job1-InputAsset",
                },
                "outputs": [
                    {
                        "@odata.type": "#Microsoft.Media.JobOutputAsset",
                        "assetName": "job1-OutputAsset",
                    }
                ],
                "correlationData": {"key1": "value1", "Key 2": "Value 2"},
            }
        }
        async with client(emu) as c:
            created = await c.put(url, params=AV, headers=AUTH, json=body)
            assert created.status_code == 201, created.text
            props = created.json()["properties"]
            assert props["state"] == "Queued" and props["priority"] == "Normal"
            assert props["correlationData"] == {"key1": "value1", "Key 2": "Value 2"}
            assert props["outputs"][0]["label"] == "BuiltInStandardEncoderPreset_0"
            assert created.json()["systemData"]["createdByType"] == "Application"
            conflict = await c.put(url, params=AV, headers=AUTH, json=body)
            assert conflict.status_code == 409
            bad_name = await c.put(
                url.replace("my-job.1", "bad name!"), params=AV, headers=AUTH, json=body
            )
            assert bad_name.status_code == 400
            patched = await c.patch(
                url,
                params=AV,
                headers=AUTH,
                json={"properties": {"priority": "High", "description": "rush"}},
            )
            assert patched.status_code == 200
            assert patched.json()["properties"]["priority"] == "High"
            assert patched.json()["properties"]["description"] == "rush"
            refused = await c.patch(
                url, params=AV, headers=AUTH, json={"properties": {"outputs": []}}
            )
            assert refused.status_code == 400
            assert refused.json()["error"]["message"] == (
                "Update is only supported for description and priority."
            )
            for junk in (b"{", b"[]", b'{"properties": 3}'):
                r = await c.put(
                    url + "x",
                    params=AV,
                    headers={**AUTH, "Content-Type": "application/json"},
                    content=junk,
                )
                assert r.status_code == 400 and r.json()["error"]["code"]


class TestFaultsAndAdmin:
    async def test_faults_aimed_by_route_have_arm_bodies(self) -> None:
        emu = make()
        job = job_where(emu, lambda j, v: True)
        async with client(emu) as c:
            await c.post("/_emulator/faults", json={"kind": "503", "count": 1, "route": "job"})
            await c.post(
                "/_emulator/faults", json={"kind": "malformed", "count": 1, "route": "transforms"}
            )
            jobs_503 = await c.get(job_path(job), params=AV, headers=AUTH)
            broken = await c.get(ROOT + "transforms", params=AV, headers=AUTH)
            fine = await c.get(job_path(job), params=AV, headers=AUTH)
        assert jobs_503.status_code == 503
        assert jobs_503.json()["error"]["code"] == "ServiceUnavailable"
        with pytest.raises(ValueError):
            json.loads(broken.text)
        assert fine.status_code == 200

    async def test_admin_submits_to_a_transform_and_refuses_relocate(self) -> None:
        emu = make()
        async with client(emu) as c:
            r = await c.post("/_emulator/jobs", json={"count": 2, "transform": "AudioAnalysis"})
            assert r.status_code == 201
            made = r.json()["jobs"]
            assert [j["transform"] for j in made] == ["AudioAnalysis", "AudioAnalysis"]
            got = await c.get(
                f"{ROOT}transforms/AudioAnalysis/jobs/{made[0]['name']}", params=AV, headers=AUTH
            )
            assert got.status_code == 200 and got.json()["properties"]["state"] == "Queued"
            unknown = await c.post("/_emulator/jobs", json={"transform": "NoSuchTransform"})
            assert unknown.status_code == 400
            relocate = await c.post("/_emulator/relocate")
            assert relocate.status_code == 400 and "v2" in relocate.json()["error"]

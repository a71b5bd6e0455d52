"""The emulator's routes, formats and protocol rules, spoken to with raw httpx (no amstui client)."""

from __future__ import annotations

import json
from urllib.parse import quote

import httpx
import pytest

from amstui.ams.model import JobState
from amstui.emulator.app import Emulator
from tests.conftest import PAYLOADS

HEADERS = {"Authorization": "Bearer t", "x-ms-version": "2.19", "Accept": "application/json"}
VERBOSE = {**HEADERS, "Accept": "application/json;odata=verbose"}
MINIMAL_CT = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8"
VERBOSE_CT = "application/json;odata=verbose;charset=utf-8"


def http(emulator: Emulator, base: str = "http://127.0.0.1/api/") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=emulator.transport(), base_url=base)


def a_job(emulator: Emulator, state: JobState | None = None) -> str:
    for view in emulator.sim.views(emulator.now()):
        if state is None or view.state == state:
            return view.id
    raise AssertionError(f"no job in state {state}")


class TestRoutes:
    async def test_jobs_collection_forms(self, emulator: Emulator) -> None:
        async with http(emulator) as c:
            for path in ("Jobs", "Jobs()"):
                r = await c.get(path, headers=HEADERS)
                assert r.status_code == 200 and r.headers["content-type"] == MINIMAL_CT
                body = r.json()
                assert body["odata.metadata"] == "http://127.0.0.1/api/$metadata#Jobs"
                assert len(body["value"]) == len(emulator.sim.jobs)
        async with http(emulator, "http://127.0.0.1/API/") as c:
            assert (await c.get("Jobs", headers=HEADERS)).status_code == 200

    async def test_job_by_raw_and_encoded_key(self, emulator: Emulator) -> None:
        job_id = a_job(emulator, JobState.PROCESSING)
        async with http(emulator) as c:
            raw = await c.get(f"Jobs('{job_id}')", headers=HEADERS)
            enc = await c.get(f"Jobs('{quote(job_id, safe='')}')", headers=HEADERS)
            enc_quotes = await c.get(f"Jobs(%27{quote(job_id, safe='')}%27)", headers=HEADERS)
        for r in (raw, enc, enc_quotes):
            assert r.status_code == 200
            body = r.json()
            assert body["odata.metadata"].endswith("$metadata#Jobs/@Element")
            assert body["Id"] == job_id and body["State"] == 2

    async def test_tasks_properties_assets(self, emulator: Emulator) -> None:
        job_id = a_job(emulator, JobState.PROCESSING)
        async with http(emulator) as c:
            tasks = (await c.get(f"Jobs('{job_id}')/Tasks", headers=HEADERS)).json()["value"]
            state = (await c.get(f"Jobs('{job_id}')/State", headers=HEADERS)).json()
            name = (await c.get(f"Jobs('{job_id}')/Name", headers=HEADERS)).json()
            vstate = (await c.get(f"Jobs('{job_id}')/State", headers=VERBOSE)).json()
            inputs = (await c.get(f"Jobs('{job_id}')/InputMediaAssets", headers=HEADERS)).json()
            outputs = await c.get(f"Jobs('{job_id}')/OutputMediaAssets", headers=HEADERS)
            task = await c.get(f"Tasks('{tasks[0]['Id']}')", headers=HEADERS)
            task_progress = await c.get(f"Tasks('{tasks[0]['Id']}')/Progress", headers=HEADERS)
            all_tasks = (await c.get("Tasks", headers=HEADERS)).json()["value"]
            missing_nav = await c.get(f"Jobs('{job_id}')/Bogus", headers=HEADERS)
        assert 1 <= len(tasks) <= 3 and tasks[0]["State"] in (2, 3)
        assert isinstance(tasks[0]["Progress"], float) and 0 <= tasks[0]["Progress"] <= 100
        assert state == {"odata.metadata": "http://127.0.0.1/api/$metadata#Edm.Int32", "value": 2}
        assert vstate == {"d": {"State": 2}}
        assert isinstance(name["value"], str)
        assert inputs["value"][0]["Id"].startswith("nb:cid:UUID:")
        assert outputs.status_code == 200
        assert task.json()["Id"] == tasks[0]["Id"] and task.json()["odata.metadata"].endswith(
            "#Tasks/@Element"
        )
        assert task_progress.json()["value"] == tasks[0]["Progress"]
        assert len(all_tasks) == sum(len(j.tasks) for j in emulator.sim.jobs.values())
        assert missing_nav.status_code == 404

    async def test_metadata_and_service_document(self, emulator: Emulator) -> None:
        async with http(emulator) as c:
            meta = await c.get(
                "$metadata", headers={"Authorization": "Bearer t"}, params={"api-version": "2.19"}
            )
            svc = await c.get("", headers=HEADERS)
        assert meta.status_code == 200 and meta.headers["content-type"].startswith(
            "application/xml"
        )
        for name in (
            "Job",
            "Task",
            "ErrorDetail",
            "TaskHistoricalEvent",
            "JobNotificationSubscription",
        ):
            assert f'Name="{name}"' in meta.text
        assert 'Namespace="Microsoft.Cloud.Media.Vod.Rest.Data.Models"' in meta.text
        assert {"name": "Jobs", "url": "Jobs"} in svc.json()["value"]

    async def test_cancel_rules(self, emulator: Emulator) -> None:
        running = a_job(emulator, JobState.PROCESSING)
        finished = a_job(emulator, JobState.FINISHED)
        async with http(emulator) as c:
            ok = await c.get(f"CancelJob?jobid='{quote(running, safe='')}'", headers=HEADERS)
            again = await c.get(f"CancelJob?jobid='{quote(running, safe='')}'", headers=HEADERS)
            final = await c.get(f"CancelJob?jobid='{quote(finished, safe='')}'", headers=HEADERS)
            missing = await c.get(
                "CancelJob?jobid='nb:jid:UUID:00000000-0000-0000-0000-000000000000'",
                headers=HEADERS,
            )
            no_param = await c.get("CancelJob", headers=HEADERS)
            assert (await c.get(f"Jobs('{running}')/State", headers=HEADERS)).json()["value"] == 6
            emulator.advance(5)
            assert (await c.get(f"Jobs('{running}')/State", headers=HEADERS)).json()["value"] == 5
        assert ok.status_code == 204 and ok.content == b""
        assert (
            again.status_code == 400
            and "Canceling" in again.json()["odata.error"]["message"]["value"]
        )
        assert final.status_code == 400 and "Finished" in final.text
        assert missing.status_code == 404 and no_param.status_code == 400

    async def test_create_minimal_and_verbose_and_delete(self, emulator: Emulator) -> None:
        task = {
            "Configuration": "H264 Multiple Bitrate 720p",
            "MediaProcessorId": "nb:mpid:UUID:ff4df607-d419-42f0-bc17-a481b1331e56",
            "TaskBody": "<taskBody><inputAsset>JobInputAsset(0)</inputAsset><outputAsset>JobOutputAsset(0)</outputAsset></taskBody>",
        }
        minimal = {
            "Name": "NewTestJob",
            "InputMediaAssets": [{"__metadata": {"uri": "x"}}],
            "Tasks": [task],
        }
        async with http(emulator) as c:
            refused = await c.post(
                "Jobs", headers=HEADERS, json=minimal
            )  # __metadata needs verbose
            plain = await c.post("Jobs", headers=HEADERS, json={"Name": "Plain", "Tasks": [task]})
            verbose = await c.post("Jobs", headers=VERBOSE, json=minimal)
            bad = await c.post("Jobs", headers=HEADERS, json={"Name": "x", "Tasks": []})
            junk = await c.post("Jobs", headers=HEADERS, content=b"{nope")
            extra = await c.post(
                "Jobs", headers=HEADERS, json={"Name": "x", "Tasks": [task], "Colour": 1}
            )
            created = plain.json()
            got = await c.get(f"Jobs('{created['Id']}')", headers=HEADERS)
            deleted = await c.delete(f"Jobs('{created['Id']}')", headers=HEADERS)
            gone = await c.get(f"Jobs('{created['Id']}')", headers=HEADERS)
        assert refused.status_code == 400 and "verbose" in refused.text
        assert plain.status_code == 201 and created["Name"] == "Plain" and created["State"] == 0
        assert plain.headers["location"].endswith(f"Jobs('{quote(created['Id'], safe='')}')")
        assert verbose.status_code == 201 and verbose.headers["content-type"] == VERBOSE_CT
        assert verbose.json()["d"]["__metadata"]["type"].endswith(".Job")
        assert bad.status_code == 400 and junk.status_code == 400
        assert extra.status_code == 400 and "defined by the type" in extra.text
        assert got.status_code == 200 and deleted.status_code == 204 and gone.status_code == 404

    async def test_unknown_resources_and_methods(self, emulator: Emulator) -> None:
        async with http(emulator) as c:
            assert (await c.get("Assets2", headers=HEADERS)).status_code == 404
            assert (await c.get("jobs", headers=HEADERS)).status_code == 404
            assert (await c.get("Jobs('nb:jid:UUID:nope')", headers=HEADERS)).status_code == 404
            r = await c.put("Jobs", headers=HEADERS)
            assert r.status_code == 405 and r.json()["odata.error"]["message"]["value"]
        async with httpx.AsyncClient(
            transport=emulator.transport(), base_url="http://127.0.0.1/"
        ) as c:
            assert (await c.get("other/path", headers=HEADERS)).status_code == 404


class TestFormats:
    async def test_verbose_shapes(self, emulator: Emulator) -> None:
        job_id = a_job(emulator, JobState.PROCESSING)
        async with http(emulator) as c:
            coll = await c.get("Jobs()?$top=2", headers=VERBOSE)
            one = await c.get(f"Jobs('{job_id}')", headers=VERBOSE)
            tasks = await c.get(f"Jobs('{job_id}')/Tasks", headers=VERBOSE)
        assert coll.headers["content-type"] == VERBOSE_CT
        results = coll.json()["d"]["results"]
        assert len(results) == 2 and "__metadata" in results[0]
        assert results[0]["Tasks"]["__deferred"]["uri"].endswith("/Tasks")
        subs = results[0]["JobNotificationSubscriptions"]
        assert subs["__metadata"]["type"].startswith("Collection(") and subs["results"] == []
        assert r'"Created":"\/Date(' in coll.text  # the escaped form, as AMS wrote it
        assert one.json()["d"]["Id"] == job_id
        task = tasks.json()["d"]["results"][0]
        assert task["HistoricalEvents"]["__metadata"]["type"].endswith("TaskHistoricalEvent)")

    async def test_minimal_dates_are_naive_with_at_most_3_digits(self, emulator: Emulator) -> None:
        import re

        async with http(emulator) as c:
            body = (await c.get("Jobs()?$top=50", headers=HEADERS)).json()
        for job in body["value"]:
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?", job["Created"])
            assert job["LastModified"] == job["Created"]

    async def test_response_headers(self, emulator: Emulator) -> None:
        async with http(emulator) as c:
            r = await c.get(
                "Jobs()?$top=1", headers={**HEADERS, "x-ms-client-request-id": "abc-123"}
            )
        assert r.headers["x-ms-client-request-id"] == "abc-123"
        assert r.headers["request-id"] == r.headers["x-ms-request-id"]
        assert r.headers["dataserviceversion"] == "3.0;"


class TestProtocol:
    async def test_token_required(self, emulator: Emulator) -> None:
        async with http(emulator) as c:
            r = await c.get("Jobs", headers={"x-ms-version": "2.19"})
            basic = await c.get(
                "Jobs", headers={"x-ms-version": "2.19", "Authorization": "Basic eA=="}
            )
        assert r.status_code == 401 and r.json()["odata.error"]["message"]["value"]
        assert basic.status_code == 401

    async def test_configured_token(self) -> None:
        from dataclasses import replace

        from tests.conftest import make_emulator

        base = make_emulator()
        emu = Emulator(replace(base.config, token="s3cret"))
        async with http(emu) as c:
            assert (await c.get("Jobs", headers=HEADERS)).status_code == 401
            assert (
                await c.get("Jobs", headers={**HEADERS, "Authorization": "Bearer s3cret"})
            ).status_code == 200

    @pytest.mark.parametrize("version", [None, "1.0", "2.20", "3", "2.19; drop table"])
    async def test_version_checked(self, emulator: Emulator, version: str | None) -> None:
        headers = {k: v for k, v in HEADERS.items() if k != "x-ms-version"}
        if version is not None:
            headers["x-ms-version"] = version
        async with http(emulator) as c:
            r = await c.get("Jobs", headers=headers)
        assert r.status_code == 400 and "x-ms-version" in r.text

    @pytest.mark.parametrize("version", ["2.0", "2.2", "2.11", "2.17", "2.19"])
    async def test_versions_accepted(self, emulator: Emulator, version: str) -> None:
        async with http(emulator) as c:
            assert (
                await c.get("Jobs()?$top=1", headers={**HEADERS, "x-ms-version": version})
            ).status_code == 200

    async def test_the_rest_samples_exact_request(self, emulator: Emulator) -> None:
        """The seed request, pointed at the emulator and an existing job, gets the seed's shape."""
        sample = (PAYLOADS / "seed-check-job-progress.http").read_text(encoding="utf-8")
        lines = [line for line in sample.splitlines() if line and not line.startswith("#")]
        method, url, _ = lines[0].split(" ")
        headers = {}
        for line in lines[1:]:
            if line.startswith("HTTP/1.1"):
                break
            key, _, value = line.partition(": ")
            headers[key] = value
        headers["Authorization"] = "Bearer sample"
        headers.pop("Host")
        job_id = a_job(emulator, JobState.PROCESSING)
        target = url.replace("https://media.windows.net/", "http://127.0.0.1/").replace(
            "f3c43f94-327f-2347-90bb-3bf79f8559f1", job_id.rsplit(":", 1)[1]
        )
        expected = json.loads((PAYLOADS / "seed-jobs-response.json").read_text())
        seed_ct = next(line.split(": ", 1)[1] for line in lines if line.startswith("Content-Type"))
        async with httpx.AsyncClient(transport=emulator.transport()) as c:
            r = await c.request(method, target, headers=headers)
        assert r.status_code == 200
        assert r.headers["content-type"] == seed_ct
        body = r.json()
        assert list(body) == list(expected)
        (got,) = body["value"]
        (want,) = expected["value"]
        assert list(got) == list(want)
        for key in want:
            assert type(got[key]) is type(want[key]), key
        assert got["Id"] == job_id and got["State"] == 2
        assert body["odata.metadata"] == "http://127.0.0.1/api/$metadata#Jobs"

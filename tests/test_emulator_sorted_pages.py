"""Listings of a big account are answered from the page, not the whole account: an `$orderby`
on fixed properties sorts the jobs once (until the account changes), only the page's jobs get
a view, and tasks are made on first use. The answers stay exactly those of the plain way:
every job's view computed, filtered, sorted, then paged."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import httpx

from amstui.ams.model import JOB_PROPERTIES
from amstui.emulator.app import JOB_FILTER_PROPS, Emulator
from amstui.emulator.query import compile_orderby, sort_rows
from amstui.emulator.serialize import Formatter, key_url
from tests.conftest import make_emulator

HEADERS = {"Authorization": "Bearer t", "x-ms-version": "2.19", "Accept": "application/json"}
ORDERS = (
    "Created desc",
    "Created",
    "Created asc,Name desc",
    "Name",
    "Name desc,Id",
    "Id desc",
    "Priority desc,Created desc",
    "LastModified",
    "TemplateId,Created desc",
    # Changing properties: the general path, mixed in to check both answer alike.
    "State desc,Created",
    "EndTime desc",
    "RunningDuration,Id",
)


def expected(emulator: Emulator, params: dict[str, str]) -> list[dict[str, Any]]:
    """The answer the plain way: every view, sorted, paged, rendered."""
    rows = emulator.sim.views(emulator.now())
    order = params.get("$orderby")
    if order is not None:
        rows = sort_rows(rows, compile_orderby(order, JOB_FILTER_PROPS, "Job"))
    skip = int(params.get("$skip", "0"))
    top = min(int(params.get("$top", "1000")), 1000)
    select = params.get("$select")
    fields = [f for f in JOB_PROPERTIES if select and f in select.split(",")] or None
    fmt = Formatter("http://127.0.0.1/api/", verbose=False)
    return [fmt.job(view, fields) for view in rows[skip : skip + top]]


async def listed(c: httpx.AsyncClient, params: dict[str, str]) -> list[dict[str, Any]]:
    r = await c.get("Jobs()", params=params, headers=HEADERS)
    assert r.status_code == 200, r.text
    return r.json()["value"]  # type: ignore[no-any-return]


async def test_pages_equal_the_plain_answer_over_random_queries_and_changes() -> None:
    emulator = make_emulator(jobs=2600, active=40, concurrency=8, error_rate=0.2)
    rng = random.Random(12)
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="http://127.0.0.1/api/"
    ) as c:
        for round_ in range(6):
            for _ in range(12):
                params = {"$orderby": rng.choice(ORDERS), "$top": str(rng.randrange(1, 1200))}
                if rng.random() < 0.7:
                    params["$skip"] = str(rng.randrange(0, 2700))
                if rng.random() < 0.2:
                    params["$select"] = "Id,State,Created"
                assert await listed(c, params) == expected(emulator, params), params
            # The account changes between rounds: time passes, jobs come and go.
            emulator.advance(rng.uniform(30, 900))
            if round_ % 2 == 0:
                created = await c.post(
                    "Jobs",
                    json={
                        "Name": f"new {round_}",
                        "Tasks": [{"MediaProcessorId": "nb:mpid:UUID:x", "TaskBody": "<t/>"}],
                    },
                    headers=HEADERS,
                )
                assert created.status_code == 201
                newest = await listed(c, {"$orderby": "Created desc", "$top": "1"})
                assert newest[0]["Name"] == f"new {round_}"
            else:
                victim = next(iter(emulator.sim.jobs))
                assert (await c.delete(f"Jobs('{victim}')", headers=HEADERS)).status_code == 204
                oldest = await listed(c, {"$orderby": "Created", "$top": "1"})
                assert oldest[0]["Id"] != victim


async def test_an_ordered_page_computes_the_views_of_that_page_only() -> None:
    emulator = make_emulator(jobs=3000, active=20)
    jobs = list(emulator.sim.jobs.values())
    # Nothing is made at population: no job's tasks, no view.
    assert all(j.made_tasks is None and j.final is None for j in jobs)
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="http://127.0.0.1/api/"
    ) as c:
        page = await listed(c, {"$orderby": "Created desc", "$top": "50"})
        assert len(page) == 50
        # Final jobs keep their view once computed: only the page's (at most) were.
        assert sum(j.final is not None for j in jobs) <= 50
        # A job listing needs no task objects either.
        assert all(j.made_tasks is None for j in jobs)
        # A changing property in the order needs every view (the general path).
        await listed(c, {"$orderby": "State", "$top": "50"})
        assert sum(j.final is not None for j in jobs) > 2900


async def test_tasks_made_on_first_use_are_found_by_id_as_jobs_come_and_go() -> None:
    emulator = make_emulator(jobs=300, active=20)
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="http://127.0.0.1/api/"
    ) as c:
        first = next(iter(emulator.sim.jobs.values()))
        tasks = (await c.get(f"Jobs('{first.id}')/Tasks", headers=HEADERS)).json()["value"]
        assert [t["Id"] for t in tasks] == [t.id for t in first.tasks]
        # The first lookup by task id builds the index; later jobs join it, removed ones leave.
        r = await c.get(f"Tasks('{tasks[0]['Id']}')", headers=HEADERS)
        assert r.status_code == 200 and r.json()["Id"] == tasks[0]["Id"]
        job = emulator.sim.create_job(emulator.now(), name="late")
        late_task = job.tasks[0].id
        assert (await c.get(f"Tasks('{late_task}')", headers=HEADERS)).status_code == 200
        assert (await c.delete(f"Jobs('{job.id}')", headers=HEADERS)).status_code == 204
        assert (await c.get(f"Tasks('{late_task}')", headers=HEADERS)).status_code == 404


def test_a_page_of_jobs_written_as_text_is_the_json_of_its_dicts() -> None:
    emulator = make_emulator(jobs=120, active=30, error_rate=0.3)
    for job, name in zip(
        emulator.sim.jobs.values(),
        ['quote " back \\ slash /', "ünï\u2028cøde [b]x[/b]", "\x00\x1f\t\n", "", "é" * 300],
        strict=False,
    ):
        job.name = name
    emulator.advance(400)
    views = emulator.sim.views(emulator.now())
    for style in ("naive", "iso", "msdate"):
        fmt = Formatter("http://127.0.0.1/a'p\"i/", verbose=False, date_style=style)
        plain = fmt.collection("Jobs", (fmt.job(v) for v in views))
        assert fmt.job_collection(views, None) == plain, style
    # Verbose: metadata, deferred links and wrapped collections written as text too; ids
    # that need quoting in the links (none the emulator makes) as well.
    views = [
        replace(v, id=odd) if odd else v
        for v, odd in zip(views, ["a b/c'd", "ü%:?#", "nb:jid:UUID:x"], strict=False)
    ] + views[3:]
    for odd in ("a b/c'd", "ü%:?#", "nb:jid:UUID:x-1_2.3~", "", ":", "\x00"):
        assert key_url("r/", "Jobs", odd) == f"r/Jobs('{quote(odd, safe='')}')"
    for style in ("naive", "iso", "msdate"):
        verbose = Formatter("http://127.0.0.1/a'p\"i/", verbose=True, date_style=style)
        assert verbose.job_collection(views, None) == verbose.collection(
            "Jobs", (verbose.job(v) for v in views)
        ), style

"""Hypothesis: the v3 `$filter`/`$orderby` parser and the v3 routes (ARM and MK.IO) answer any
input with 200 or an ARM-shaped 4xx, never a 500, a traceback or a hang."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amstui.emulator.app import Emulator, EmulatorConfig
from amstui.emulator.simulation import SimConfig
from amstui.emulator.v3_query import QueryError, compile_filter, compile_orderby
from amstui.emulator.v3_routes import V3Service
from tests.conftest import START


def make(api: str) -> Emulator:
    sim = SimConfig(seed=9, jobs=60, active=12, concurrency=4)
    return Emulator(EmulatorConfig(sim=sim, start=START, speed=0.0, api=api, page_size=5))


ARM = make("v3")
MKIO = make("mkio")
ROOT = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/amstui-demo/providers/"
    "Microsoft.Media/mediaServices/amstuidemo/"
)

words = st.sampled_from(
    [
        "name",
        "Name",
        "properties/state",
        "Properties/State",
        "properties/created",
        "properties/lastModified",
        "properties/lastmodified",
        "properties/priority",
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "and",
        "or",
        "not",
        "(",
        ")",
        "'job'",
        "''",
        "'",
        "asc",
        "desc",
        "Microsoft.Media.JobState'Processing'",
        "microsoft.media.jobstate'finished'",
        "Microsoft.Media.JobState'Bogus'",
        "Other.Enum'X'",
        "2021-06-01T00:00:10.0000000Z",
        "2021-06-01",
        "2021-13-01T00:00:00Z",
        "9999-12-31T23:59:59.9999999Z",
        "0001-01-01T00:00:00+05:00",
        "2021-06-01T00:00:00-14:00",
        "1e400",
        "²",
        ",",
        "startswith(name,'a')",
        "9" * 50,
    ]
)
paths = st.sampled_from(
    ["name", "Properties/State", "properties/created", "properties/lastModified", "bogus"]
)
ops = st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le", "has"])
literals = st.sampled_from(
    ["'a'", "'it''s'", "Microsoft.Media.JobState'queued'", "Microsoft.Media.JobState'X'"]
) | st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}{}{}".format,
    st.sampled_from([0, 1, 2, 2021, 9999]) | st.integers(0, 9999),
    st.sampled_from([0, 1, 12, 13]),
    st.sampled_from([0, 1, 29, 31, 32]),
    st.sampled_from([0, 1, 23, 24]),
    st.integers(0, 61),
    st.integers(0, 61),
    st.sampled_from(["", ".1", ".9999999", ".12345678"]),
    st.sampled_from(["Z", "", "+05:00", "-14:00", "+23:59"]),
)
comparisons = st.tuples(paths, ops, literals).map(" ".join)
structured = st.recursive(
    comparisons,
    lambda inner: (
        st.tuples(inner, st.sampled_from([" and ", " or "]), inner).map("".join)
        | inner.map("({})".format)
    ),
    max_leaves=6,
)
expressions = structured | st.lists(words, max_size=14).map(" ".join) | st.text(max_size=60)


def job_fields() -> dict[str, Any]:
    from amstui.emulator.v3_routes import _job_fields

    return _job_fields(lambda job: ARM.sim.view(job, ARM.now()).state)


@settings(max_examples=400, deadline=None)
@given(text=expressions, order=expressions)
def test_parser_accepts_or_raises_query_error(text: str, order: str) -> None:
    fields = job_fields()
    rows = ARM.sim.job_list()[:20]
    try:
        predicate = compile_filter(text, fields)
    except QueryError:
        pass
    else:
        for row in rows:
            assert predicate(row) in (True, False)
    with contextlib.suppress(QueryError):
        compile_orderby(order, fields)


HOSTILE_DATES = [
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59.9999999Z",
    "0000-01-01T00:00:00Z",
    "2021-02-29T00:00:00Z",
    "2021-01-01T24:00:00Z",
    "2021-01-01T00:00:00+24:00",
    "2021-01-01",
]


@pytest.mark.parametrize("date", HOSTILE_DATES)
@pytest.mark.parametrize("op", ["gt", "ge", "lt", "le"])
def test_hostile_dates_are_query_errors_or_compare(date: str, op: str) -> None:
    fields = job_fields()
    try:
        predicate = compile_filter(f"properties/created {op} {date}", fields)
    except QueryError:
        return
    assert {predicate(row) for row in ARM.sim.job_list()} <= {True, False}


segments = st.sampled_from(
    [
        "transforms",
        "Transforms",
        "AdaptiveStreaming",
        "thumbnails",
        "NoSuch",
        "jobs",
        "JOBS",
        "cancelJob",
        "canceljob",
        "abr-sintel-000001",
        "x",
        "",
        "..",
        "%00",
        "'",
        "é",
        "\u202e",
        "a" * 300,
    ]
)
keys = st.sampled_from(
    ["api-version", "$filter", "$orderby", "$top", "$skiptoken", "$skip", "$expand", "x"]
)
values = (
    st.sampled_from(["2022-07-01", "2018-07-01", "2019-05-01-preview", "2030-01-01", ""])
    | expressions
)


async def call(
    emu: Emulator,
    method: str,
    path: str,
    params: dict[str, str],
    body: bytes | None,
    headers: dict[str, str],
) -> httpx.Response:
    async with httpx.AsyncClient(transport=emu.transport(), base_url="http://127.0.0.1") as c:
        return await c.request(method, path, params=params, content=body, headers=headers)


@settings(max_examples=300, deadline=None)
@given(
    shape=st.sampled_from(["arm", "mkio"]),
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    parts=st.lists(segments, max_size=5),
    params=st.dictionaries(keys, values, max_size=4),
    body=st.one_of(
        st.none(),
        st.binary(max_size=60),
        st.just(b'{"properties": {"priority": "High"}}'),
        st.just(b'{"properties": {"input": {}, "outputs": [{}]}}'),
        st.just(
            b'{"properties": {"input": {"@odata.type": "#Microsoft.Media.JobInputs", '
            b'"inputs": [1, null, {"@odata.type": 3}]}, "outputs": [{"@odata.type": '
            b'"#Microsoft.Media.JobOutputAsset", "assetName": "o"}]}}'
        ),
    ),
    auth=st.sampled_from(["jwt", "opaque", "legacy", "none"]),
)
def test_routes_answer_200_or_arm_4xx(
    shape: str,
    method: str,
    parts: list[str],
    params: dict[str, str],
    body: bytes | None,
    auth: str,
) -> None:
    emu = ARM if shape == "arm" else MKIO
    root = ROOT if shape == "arm" else "/api/ams/amstuidemo/"
    headers = {
        "jwt": {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln"},
        "opaque": {"Authorization": "Bearer opaque"},
        "legacy": {"x-mkio-token": "t"},
        "none": {},
    }[auth]
    started = time.monotonic()
    r = asyncio.run(call(emu, method, root + "/".join(parts), params, body, headers))
    assert time.monotonic() - started < 5
    assert r.status_code < 500, r.text
    if r.status_code >= 400 and method != "HEAD":
        error = r.json()["error"]
        assert isinstance(error["code"], str) and isinstance(error["message"], str)
    assert isinstance(emu.v3, V3Service)

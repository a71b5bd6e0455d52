"""Hypothesis: no path, query, header or body makes the emulator answer 500 (or crash)."""

from __future__ import annotations

import asyncio

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import make_emulator

EMULATOR = make_emulator(jobs=40, active=10)
HEADERS = {"Authorization": "Bearer t", "x-ms-version": "2.19"}

segments = st.sampled_from(
    [
        "Jobs",
        "Jobs()",
        "Tasks",
        "CancelJob",
        "$metadata",
        "Jobs('x')",
        "Jobs('')",
        "Jobs(''')",
        "Tasks('a')/State",
        "Jobs('nb:jid:UUID:1')/Tasks",
        "Assets",
        "",
        "(",
        ")",
        "'",
        "%27",
        "..",
        "%00",
    ]
)
query_keys = st.sampled_from(
    ["$filter", "$orderby", "$top", "$skip", "$select", "$expand", "jobid", "$x", "api-version"]
)
query_values = st.text(
    alphabet=st.sampled_from(list("StateNmIdCr eqandornot()'0123456789,-.:datetimestartswith$/")),
    max_size=40,
) | st.text(max_size=20)


@settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH", "MERGE"]),
    path=st.lists(segments, min_size=0, max_size=3).map("/".join),
    params=st.dictionaries(query_keys, query_values, max_size=4),
    body=st.one_of(
        st.none(), st.binary(max_size=80), st.just(b'{"Name":"x","Tasks":[{"MediaProcessorId":1}]}')
    ),
    accept=st.sampled_from(
        ["application/json", "application/json;odata=verbose", "application/atom+xml", "*/*", ""]
    ),
)
def test_no_input_gets_a_500(
    method: str, path: str, params: dict[str, str], body: bytes | None, accept: str
) -> None:
    async def go() -> httpx.Response:
        # An absolute path: "//x" relative to a base URL would be read as a host by the client.
        async with httpx.AsyncClient(
            transport=EMULATOR.transport(), base_url="http://127.0.0.1"
        ) as c:
            return await c.request(
                method,
                "/api/" + path,
                params=params,
                content=body,
                headers={**HEADERS, "Accept": accept},
            )

    response = asyncio.run(go())
    assert response.status_code < 500, (response.status_code, response.text[:300])

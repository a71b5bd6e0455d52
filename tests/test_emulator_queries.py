"""$filter, $orderby, $top, $skip, $select semantics and the 1,000 cap; bad queries get 400."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from amstui.emulator.app import Emulator
from tests.conftest import make_emulator

HEADERS = {"Authorization": "Bearer t", "x-ms-version": "2.19", "Accept": "application/json"}


async def query(emulator: Emulator, params: dict[str, str], path: str = "Jobs()") -> httpx.Response:
    async with httpx.AsyncClient(
        transport=emulator.transport(), base_url="http://127.0.0.1/api/"
    ) as c:
        return await c.get(path, params=params, headers=HEADERS)


async def values(emulator: Emulator, **params: str) -> list[dict[str, object]]:
    r = await query(emulator, {f"${k}": v for k, v in params.items()})
    assert r.status_code == 200, r.text
    return r.json()["value"]  # type: ignore[no-any-return]


def views(emulator: Emulator):  # type: ignore[no-untyped-def]
    return emulator.sim.views(emulator.now())


class TestFilter:
    @pytest.mark.parametrize(
        ("expr", "predicate"),
        [
            ("State eq 2", lambda v: v.state == 2),
            ("State ne 3", lambda v: v.state != 3),
            ("State lt 3", lambda v: v.state < 3),
            ("State le 3", lambda v: v.state <= 3),
            ("State gt 3", lambda v: v.state > 3),
            ("State ge 3", lambda v: v.state >= 3),
            ("Priority gt 0 and State eq 3", lambda v: v.priority > 0 and v.state == 3),
            ("State eq 0 or State eq 1 or State eq 6", lambda v: v.state in (0, 1, 6)),
            ("not (State eq 3)", lambda v: v.state != 3),
            (
                "(State eq 2 or State eq 4) and Priority eq 0",
                lambda v: v.state in (2, 4) and v.priority == 0,
            ),
            ("startswith(Name,'Encoding')", lambda v: v.name.startswith("Encoding")),
            ("EndTime eq null", lambda v: v.end_time is None),
            (
                "StartTime ne null and EndTime eq null",
                lambda v: v.start_time and v.end_time is None,
            ),
            ("RunningDuration gt 60000.5", lambda v: v.running_duration_ms > 60000.5),
            ("length(Name) gt 30", lambda v: len(v.name) > 30),
            ("substringof('Sintel',Name)", lambda v: "Sintel" in v.name),
        ],
    )
    async def test_operators(self, emulator: Emulator, expr: str, predicate) -> None:  # type: ignore[no-untyped-def]
        expected = {v.id for v in views(emulator) if predicate(v)}
        got = {j["Id"] for j in await values(emulator, filter=expr)}
        assert got == expected

    def test_population_spans_states(self, emulator: Emulator) -> None:
        # Keeps the operator tests above from passing vacuously.
        states = {int(v.state) for v in views(emulator)}
        assert {0, 2, 3, 4} <= states or {1, 2, 3, 4} <= states

    async def test_datetime_literals(self, emulator: Emulator) -> None:
        cutoff = emulator.now() - timedelta(days=3)
        literal = cutoff.replace(tzinfo=None).isoformat(timespec="milliseconds")
        got = await values(emulator, filter=f"Created gt datetime'{literal}'")
        expected = {v.id for v in views(emulator) if v.created > cutoff}
        assert {j["Id"] for j in got} == expected and expected

    async def test_string_literal_escaping(self, emulator: Emulator) -> None:
        job = emulator.sim.create_job(emulator.now(), name='Bob\'s "cut" & co')
        got = await values(emulator, filter="Name eq 'Bob''s \"cut\" & co'")
        assert [j["Id"] for j in got] == [job.id]
        assert await values(emulator, filter="Name eq 'Bob''s' or 1 eq 1 or Name eq ''") != []

    async def test_id_filter_like_the_rest_sample(self, emulator: Emulator) -> None:
        target = views(emulator)[5]
        got = await values(emulator, filter=f"Id eq '{target.id}'", top="1")
        assert [j["Id"] for j in got] == [target.id]

    @pytest.mark.parametrize(
        "expr",
        [
            "Nmae eq 'x'",
            "State eq",
            "State eq 'two'",
            "(State eq 2",
            "State eq 2)",
            "Name eq 'unterminated",
            "State",
            "startswith(Name)",
            "frobnicate(Name,'x')",
            "Created gt datetime'yesterday'",
            "State gt true",
            "",
            "State eq 2 State eq 3",
            "((((((((((((((((((((((((((((((((((((((((((((State eq 2))))))))))))))))))))))))))))))))))))))))))))",
        ],
    )
    async def test_bad_filters_get_400_with_odata_error(
        self, emulator: Emulator, expr: str
    ) -> None:
        r = await query(emulator, {"$filter": expr})
        assert r.status_code == 400
        assert r.json()["odata.error"]["message"]["value"]


class TestPaging:
    async def test_cap_top_skip(self) -> None:
        emulator = make_emulator(jobs=2500, active=30)
        all_ids = [v.id for v in views(emulator)]
        assert len(await values(emulator)) == 1000
        assert len(await values(emulator, top="5000")) == 1000
        page = await values(emulator, skip="2400", top="1000")
        assert [j["Id"] for j in page] == all_ids[2400:]
        assert [j["Id"] for j in await values(emulator, skip="10", top="3")] == all_ids[10:13]
        assert await values(emulator, top="0") == []
        r = await query(emulator, {"$top": "1000"})
        assert "odata.nextLink" not in r.json() and "__next" not in r.text

    @pytest.mark.parametrize(
        ("option", "value"), [("$top", "-1"), ("$top", "ten"), ("$skip", "1.5")]
    )
    async def test_bad_numbers(self, emulator: Emulator, option: str, value: str) -> None:
        assert (await query(emulator, {option: value})).status_code == 400


class TestOrderSelect:
    async def test_multi_key_orderby(self, emulator: Emulator) -> None:
        got = await values(emulator, orderby="State desc,Created", top="1000")
        keys = [(j["State"], j["Created"]) for j in got]
        expected = sorted(keys, key=lambda k: (-k[0], k[1]))  # type: ignore[operator]
        assert keys == expected

    async def test_orderby_created_desc(self, emulator: Emulator) -> None:
        got = await values(emulator, orderby="Created desc")
        created = [v.created for v in views(emulator)]
        assert got[0]["Created"] == max(created).replace(tzinfo=None).isoformat(
            timespec="milliseconds"
        ).rstrip("0").rstrip(".")

    async def test_select(self, emulator: Emulator) -> None:
        got = await values(emulator, select="State,Id", top="3")
        assert [list(j) for j in got] == [["Id", "State"]] * 3

    @pytest.mark.parametrize(
        ("params", "text"),
        [
            ({"$orderby": "Colour"}, "No property"),
            ({"$orderby": "Name sideways"}, "Syntax"),
            ({"$select": "Id,Colour"}, "No property"),
            ({"$expand": "Tasks"}, "$expand"),
            ({"$inlinecount": "allpages"}, "not recognized"),
        ],
    )
    async def test_bad_options(self, emulator: Emulator, params: dict[str, str], text: str) -> None:
        r = await query(emulator, params)
        assert r.status_code == 400 and text in r.text

    async def test_tasks_entity_set_filter(self, emulator: Emulator) -> None:
        r = await query(emulator, {"$filter": "State eq 2 and Progress gt 1"}, path="Tasks")
        tasks = r.json()["value"]
        assert tasks and all(t["State"] == 2 and t["Progress"] > 1 for t in tasks)

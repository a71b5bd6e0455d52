"""The job view: sorted order kept incrementally, the filter as a mask, rows by binary search."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from amstui.ams.model import Job, JobState
from amstui.monitor.job_view import JobView, sort_value
from amstui.monitor.store import JobStore

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def job(n: int, state: JobState = JobState.QUEUED, name: str | None = None) -> Job:
    return Job(
        id=f"nb:jid:UUID:{n:08d}-0000-0000-0000-000000000000",
        name=name if name is not None else f"job {n:04d}",
        state=state,
        created=T0 + timedelta(seconds=n),
        priority=n % 3,
    )


def expected(store: JobStore, view: JobView) -> list[str]:
    now = store.now()
    ids = [i for i, e in store.entries.items() if view.matches(e.job)]
    ids.sort(
        key=lambda i: (
            sort_value(store.entries[i], view.sort_key, now),
            store.entries[i].job.created,
            i,
        ),
        reverse=view.reverse,
    )
    return ids


def rows(view: JobView) -> list[str]:
    return view.ids_between(0, len(view))


def loaded(n: int) -> tuple[JobStore, JobView]:
    store = JobStore(lambda: T0)
    view = JobView(store)
    for i in range(n):
        store.upsert(job(i))
    store.flush()
    return store, view


def test_order_follows_changes_one_move_at_a_time() -> None:
    store, view = loaded(300)
    assert rows(view) == expected(store, view)  # newest first
    view.set_sort("name")
    rng = random.Random(5)
    for _ in range(200):
        n = rng.randrange(300)
        state = rng.choice(list(JobState))
        store.upsert(replace(store.entries[job(n).id].job, name=f"x{rng.random()}", state=state))
        if rng.random() < 0.3:
            store.flush()
            assert rows(view) == expected(store, view)
    store.flush()
    assert rows(view) == expected(store, view)
    for key in ("state", "priority", "id", "created", "progress"):
        view.set_sort(key)
        assert rows(view) == expected(store, view), key
        view.set_sort(key)  # the same key again: reversed
        assert rows(view) == expected(store, view), key


def test_a_changed_job_does_not_reorder_the_others() -> None:
    store, view = loaded(50)
    before = rows(view)
    version = view.order_version
    store.upsert(replace(store.entries[before[10]].job, name="renamed"))
    store.flush()
    assert rows(view) == before and view.order_version == version  # same key: nothing moved
    view.set_sort("name")
    version = view.order_version
    store.upsert(replace(store.entries[before[10]].job, name="aaa first"))
    store.flush()
    assert view.order_version == version + 1
    assert rows(view)[-1] == before[10] or rows(view)[0] == before[10]


def test_filter_is_a_mask_kept_up_to_date() -> None:
    store, view = loaded(100)
    view.set_filter(lambda j: j.state == JobState.ERROR, "state:error")
    assert len(view) == 0 and rows(view) == []
    for n in (3, 50, 97):
        store.upsert(replace(store.entries[job(n).id].job, state=JobState.ERROR))
    store.flush()
    assert rows(view) == [job(97).id, job(50).id, job(3).id]
    store.upsert(replace(store.entries[job(50).id].job, state=JobState.FINISHED))
    store.upsert(job(200, JobState.ERROR))  # an arrival that matches
    store.upsert(job(201))  # one that does not
    store.flush()
    assert rows(view) == [job(200).id, job(97).id, job(3).id] == expected(store, view)
    view.set_filter(None)
    assert len(view) == 102 and rows(view) == expected(store, view)


def test_row_of_a_job_by_binary_search() -> None:
    _, view = loaded(1000)
    for reverse in (True, False):
        view.set_sort("created", reverse)
        order = rows(view)
        for row in (0, 1, 499, 998, 999):
            assert view.row_of(order[row]) == row and view.job_id_at(row) == order[row]
    view.set_filter(lambda j: j.priority == 1, "priority:1")
    order = rows(view)
    assert all(view.row_of(i) == r for r, i in enumerate(order))
    assert view.row_of(job(0).id) is None  # filtered out (priority 0)
    assert view.row_of("no such job") is None
    assert view.job_id_at(len(view)) is None and view.job_id_at(-1) is None


def test_transitions_are_handed_over_once() -> None:
    store, view = loaded(5)
    calls: list[int] = []
    view.subscribe(lambda: calls.append(view.version))
    store.upsert(replace(store.entries[job(1).id].job, state=JobState.FINISHED))
    store.flush()
    assert calls and [t.job.id for t in view.take_transitions()] == [job(1).id]
    assert view.take_transitions() == []

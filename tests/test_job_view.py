"""The job view: sorted order kept incrementally, the filter as a mask, rows by binary search."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from amstui.ams.model import Job, JobState
from amstui.monitor.job_view import JobView
from amstui.monitor.store import JobStore
from tests.job_order import sort_value

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


def _progressing(store: JobStore, n: int, rng: random.Random) -> None:
    from amstui.ams.model import Task

    entry = store.entries[job(n).id]
    task = Task(
        id=f"t{n}",
        name="t",
        state=JobState.PROCESSING,
        progress=rng.uniform(0, 100),
        start_time=T0,
    )
    store.upsert(replace(entry.job, state=JobState.PROCESSING, start_time=T0, tasks=(task,)))


def test_every_order_is_kept_and_a_change_of_sort_key_is_a_switch() -> None:
    from amstui.monitor.job_view import SORT_KEYS

    store, view = loaded(400)
    assert view.orders_built == ("created",) and view.orders_pending
    slices = 0
    while view.build_orders(rows=64):
        slices += 1
        if slices == 3:  # jobs change while an order is being built
            rng = random.Random(1)
            for n in rng.sample(range(400), 40):
                _progressing(store, n, rng)
            store.upsert(job(999, name="arrived mid-build"))
            store.flush()
    assert not view.orders_pending and set(view.orders_built) == set(SORT_KEYS)
    rng = random.Random(2)
    for round_ in range(6):
        for n in rng.sample(range(400), 30):
            if rng.random() < 0.5:
                _progressing(store, n, rng)
            else:
                state = rng.choice(list(JobState))
                name = f"n{rng.random()}"
                store.upsert(replace(store.entries[job(n).id].job, state=state, name=name))
        store.flush()
        for key in SORT_KEYS:
            view.set_sort(key)
            assert rows(view) == expected(store, view), (round_, key)
    assert set(view.orders_built) == set(SORT_KEYS)  # switched, never rebuilt


def test_a_change_in_another_order_does_not_move_the_rows_shown() -> None:
    store, view = loaded(100)
    while view.build_orders():
        pass
    view.set_sort("created")
    version = view.order_version
    # Progress moves: the progress order changes, the created order (shown) does not.
    _progressing(store, 5, random.Random(3))
    store.flush()
    assert view.order_version == version
    view.set_sort("progress")
    assert rows(view) == expected(store, view)


def test_a_load_drops_the_other_orders_and_they_are_built_again() -> None:
    store, view = loaded(10)
    while view.build_orders():
        pass
    view.set_sort("name")
    for i in range(10, 2100):
        store.upsert(job(i))
    store.flush()  # a load: thousands of jobs at once
    assert set(view.orders_built) == {"created", "name"}
    assert rows(view) == expected(store, view)
    while view.build_orders(rows=500):
        pass
    for key in ("state", "priority", "id"):
        view.set_sort(key)
        assert rows(view) == expected(store, view), key


def test_a_filtered_view_follows_a_change_of_sort_key() -> None:
    store, view = loaded(300)
    view.set_filter(lambda j: j.priority == 2, "priority:2")
    for key in ("name", "state", "id", "created"):
        view.set_sort(key)
        assert rows(view) == expected(store, view), key
        assert all(view.row_of(i) == r for r, i in enumerate(rows(view)))


def test_orders_not_in_use_catch_up_a_slice_at_a_time() -> None:
    from amstui.monitor.job_view import SORT_KEYS

    store, view = loaded(300)
    while view.build_orders():
        pass
    rng = random.Random(4)
    for round_ in range(8):
        for n in rng.sample(range(300), 25):
            if rng.random() < 0.6:
                _progressing(store, n, rng)
            else:
                name = f"m{rng.random()}"
                store.upsert(replace(store.entries[job(n).id].job, name=name, priority=n % 5))
        store.upsert(job(1000 + round_, name=f"new {round_}"))
        store.flush()
        assert view.orders_pending  # the orders not in use wait to move
        for _ in range(rng.randrange(4)):
            view.build_orders(rows=40)  # two rows moved per slice: partly caught up
        view.set_sort(rng.choice(SORT_KEYS))
        assert rows(view) == expected(store, view), round_
    while view.build_orders(rows=40):
        pass
    for key in SORT_KEYS:
        view.set_sort(key)
        assert rows(view) == expected(store, view), key


def test_orders_built_in_slices_equal_a_full_sort_with_ties_and_skew(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Orders are built a bucket at a time (values, buckets by range, buckets sorted): the
    result is the full sort's, ties in creation order, with values bunched on few buckets."""
    from amstui.monitor import job_view
    from amstui.monitor.job_view import SORT_KEYS

    store = JobStore(lambda: T0)
    view = JobView(store)
    rng = random.Random(9)
    for i in rng.sample(range(3000), 3000):  # arrival order is not the row keys' order
        # Names from a handful (ties), priorities mostly 0 (one bucket holds most rows),
        # creation times with duplicates (the tie-break falls to the row key).
        name = rng.choice(["b", "a", "c", "a"]) if i % 7 else f"x{rng.random()}"
        created = T0 + timedelta(seconds=rng.randrange(500))
        store.upsert(
            replace(job(i, name=name), created=created, priority=0 if i % 10 else rng.randrange(9))
        )
    store.flush()
    slices = 0
    while view.build_orders(rows=100):
        slices += 1
    assert slices > 7 * 3000 // 100  # in slices, not one go
    for key in SORT_KEYS:
        view.set_sort(key)
        assert rows(view) == expected(store, view), key
    # An order dropped for being too far behind (here "created", the base of the others) is
    # built again in slices too.
    monkeypatch.setattr(job_view, "MAX_PENDING", 50)
    view.set_sort("name")
    for n in rng.sample(range(3000), 60):
        store.upsert(
            replace(store.entries[job(n).id].job, created=T0 + timedelta(days=1, seconds=n))
        )
    store.flush()
    assert "created" not in view.orders_built
    while view.build_orders(rows=100):
        pass
    for key in SORT_KEYS:
        view.set_sort(key)
        assert rows(view) == expected(store, view), key


def test_an_account_filter_shows_that_accounts_rows_in_order_and_follows_changes() -> None:
    """Row keys of several accounts start with the account's name: an account filter (a
    `RowPrefixes` key filter) keeps those rows, in the order in use, and keeps them there."""
    from amstui.monitor.job_view import RowPrefixes

    store = JobStore(lambda: T0)
    view = JobView(store)
    rng = random.Random(12)
    for i in range(600):
        store.upsert(replace(job(i), id=f"{'abc'[i % 3]}:{job(i).id}", name=f"n{rng.random()}"))
    store.flush()

    def wanted() -> list[str]:
        return [row for row in expected(store, view) if row.startswith("b:")]

    for key in ("created", "name"):
        view.set_sort(key)
        view.set_filter(None, "account:b", RowPrefixes(("b:",)))
        assert rows(view) == wanted(), key
        assert len(rows(view)) == 200
        assert all(view.row_of(row) == r for r, row in enumerate(rows(view)))
    for n in rng.sample(range(600), 60):
        row = f"{'abc'[n % 3]}:{job(n).id}"
        store.upsert(replace(store.entries[row].job, name=f"m{rng.random()}"))
    store.flush()
    assert rows(view) == wanted()
    view.set_sort("created")
    assert rows(view) == wanted()


def accounts_view(jobs: int, seed: int) -> tuple[JobStore, JobView, random.Random]:
    """A view of `jobs` jobs of three accounts (row keys `a:…`, `b:…`, `c:…`), sorted by
    random names."""
    store = JobStore(lambda: T0)
    view = JobView(store)
    rng = random.Random(seed)
    for i in range(jobs):
        store.upsert(replace(job(i), id=f"{'abc'[i % 3]}:{job(i).id}", name=f"n{rng.random()}"))
    store.flush()
    view.set_sort("name")
    return store, view, rng


def test_an_account_shown_again_is_its_kept_rows_caught_up_with_the_changes_since(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """Cycling through the accounts keeps each account's rows (no pass over every row on
    the way back); what changed while another account was shown is in its place when it
    comes back: moved rows, new jobs of that account, and nothing of the others."""
    from amstui.monitor.job_view import RowPrefixes
    from amstui.monitor.sorted_rows import SortedRows

    passes: list[tuple[str, ...]] = []
    real_pass = SortedRows.select_prefixed

    def counted(self: SortedRows, starts: tuple[str, ...]) -> list[str]:
        passes.append(starts)
        return real_pass(self, starts)

    monkeypatch.setattr(SortedRows, "select_prefixed", counted)
    store, view, rng = accounts_view(900, seed=5)
    filters = {name: RowPrefixes((f"{name}:",)) for name in "abc"}

    def wanted(name: str) -> list[str]:
        return [row for row in expected(store, view) if row.startswith(f"{name}:")]

    for name in "abc":
        view.set_filter(None, f"account:{name}", filters[name])
        assert rows(view) == wanted(name)
    assert len(passes) == 3
    view.set_filter(None)
    assert len(rows(view)) == 900
    extra = 900
    for round_ in range(3):
        # Renames (moves in the name order), new jobs in every account, while another
        # account (or none) is shown.
        for n in rng.sample(range(extra), 90):
            row = f"{'abc'[n % 3]}:{job(n).id}"
            store.upsert(replace(store.entries[row].job, name=f"r{round_}{rng.random()}"))
        for i in range(extra, extra + 30):
            store.upsert(replace(job(i), id=f"{'abc'[i % 3]}:{job(i).id}", name=f"{rng.random()}"))
        extra += 30
        store.flush()
        for name in "abc":
            view.set_filter(None, f"account:{name}", filters[name])
            assert len(passes) == 3  # kept, not taken again
            assert rows(view) == wanted(name), (round_, name)
            assert all(view.row_of(row) == r for r, row in enumerate(rows(view)))
            # A change while shown moves the row at once, as for any filter.
            middle = len(rows(view)) // 2
            row = rows(view)[middle]
            store.upsert(replace(store.entries[row].job, name=f"0 first {round_}"))
            store.flush()
            assert rows(view).index(row) < middle and rows(view) == wanted(name)
    # Another sort key: the rows are taken afresh in its order, and right.
    view.set_sort("created")
    assert rows(view) == wanted("c") and len(passes) == 4
    view.set_filter(None, "account:a", filters["a"])
    assert rows(view) == wanted("a") and len(passes) == 5
    # Only the last few sets of accounts are kept: each holds up to every row.
    for combo in [("a:", "b:"), ("a:", "c:"), ("b:", "c:"), ("c:", "a:")]:
        view.set_filter(None, "several", RowPrefixes(combo))
    assert len(passes) == 9
    view.set_filter(None, "account:a", filters["a"])
    assert len(passes) == 10 and rows(view) == wanted("a")  # let go, taken again


def test_the_accounts_rows_are_taken_ahead_in_slices_while_jobs_change(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """`keep_prefixed`: `build_orders` takes each account's rows in the order in use a slice
    at a time (jobs changing in between), so that showing an account is no pass at all."""
    from amstui.monitor.job_view import RowPrefixes
    from amstui.monitor.sorted_rows import SortedRows

    store, view, rng = accounts_view(900, seed=8)
    while view.build_orders(rows=100):
        pass  # the orders of every sort key first
    view.keep_prefixed = tuple((f"{name}:",) for name in "abc")
    slices = 0
    while view.build_orders(rows=100):
        slices += 1
        if slices > 40:
            continue  # done changing (the accounts' rows take ~30 slices)
        # Renames between slices, as refreshes would bring them, and now and then a new job.
        n = rng.randrange(900)
        row = f"{'abc'[n % 3]}:{job(n).id}"
        store.upsert(replace(store.entries[row].job, name=f"m{rng.random()}"))
        if slices in (3, 14, 25):
            i = 900 + slices
            store.upsert(replace(job(i), id=f"{'abc'[i % 3]}:{job(i).id}", name=f"{rng.random()}"))
        store.flush()
    assert 40 < slices < 200
    passes: list[tuple[str, ...]] = []
    monkeypatch.setattr(SortedRows, "select_prefixed", lambda *a: passes.append(a[1]) or [])
    for name in "abc":
        view.set_filter(None, f"account:{name}", RowPrefixes((f"{name}:",)))
        assert rows(view) == [r for r in expected(store, view) if r.startswith(f"{name}:")]
    assert passes == []
    # Another sort key: taken ahead again for it.
    view.set_filter(None)
    view.set_sort("created")
    while view.build_orders(rows=100):
        pass
    view.set_filter(None, "account:b", RowPrefixes(("b:",)))
    assert passes == [] and rows(view) == [r for r in expected(store, view) if r[:2] == "b:"]


def test_a_text_filter_with_an_account_filter_runs_in_slices_and_keeps_both() -> None:
    """Several accounts: a text filter over many jobs runs in slices (keys stay live), and the
    account filter typed with it still applies when the pass completes."""
    import asyncio

    from amstui.monitor.job_view import RowPrefixes

    store = JobStore(lambda: T0)
    view = JobView(store)
    for i in range(600):
        name = "hero cut" if i % 4 == 0 else "other"
        store.upsert(replace(job(i, name=name), id=f"{'abc'[i % 3]}:{job(i).id}"))
    store.flush()

    def hero(j: Job) -> bool:
        return "hero" in j.name

    done = asyncio.run(view.set_filter_in_slices(hero, "account:b hero", 50, RowPrefixes(("b:",))))
    assert done
    wanted = [r for r in expected(store, view) if r.startswith("b:")]
    assert rows(view) == wanted and len(wanted) == 50  # every 4th job, a third of them
    assert view.filter_text == "account:b hero"

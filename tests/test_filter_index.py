"""Filter passes on cached haystacks (`monitor/filter_index.py`) and in slices
(`JobView.set_filter_in_slices`): the same jobs as the filter's plain predicate, always."""

from __future__ import annotations

import asyncio
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from amstui.ams.model import Job, JobState
from amstui.monitor.filter_index import FilterIndex, FilterPass, haystack_of
from amstui.monitor.job_view import JobView
from amstui.monitor.store import JobStore
from amstui.ui.job_filter import FilterError, JobFilter, parse_filter

T0 = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def job(n: int, name: str, job_id: str | None = None, state: JobState = JobState.QUEUED) -> Job:
    return Job(
        id=job_id if job_id is not None else f"nb:jid:UUID:{n:08d}-aaaa",
        name=name,
        state=state,
        created=T0 + timedelta(seconds=n),
        priority=n % 3,
    )


def store_of(jobs: list[Job]) -> JobStore:
    store = JobStore(lambda: T0)
    for j in jobs:
        store.upsert(j)
    store.flush()
    return store


def plain(view: JobView, store: JobStore, job_filter: JobFilter) -> list[str]:
    """What the view must show: the store's jobs the plain predicate keeps, in view order."""
    keep = {i for i, e in store.entries.items() if job_filter.predicate(e.job)}
    unfiltered = JobView(store, view.sort_key, view.reverse)
    return [i for i in unfiltered.ids_between(0, len(unfiltered)) if i in keep]


def shown(view: JobView) -> list[str]:
    return view.ids_between(0, len(view))


def compiled(text: str) -> JobFilter:
    job_filter = parse_filter(text)
    assert job_filter is not None
    return job_filter


# ---------------------------------------------------------------------- the haystack cache


def test_haystack_is_name_and_id_lower_cased_with_the_name_end() -> None:
    haystack, end = haystack_of(job(1, "Big Buck", "ID-AB"))
    assert haystack == "big buck\nid-ab"
    assert haystack[:end] == "big buck"


def test_haystacks_are_built_once_and_a_changed_job_gets_a_new_one() -> None:
    store = store_of([job(n, f"clip {n}") for n in range(50)])
    view = JobView(store)
    index = view._filter_index
    assert len(index) == 0  # nothing built before a filter needs it
    view.set_filter(compiled("clip"), "clip")
    assert (len(index), index.built) == (50, 50)
    view.set_filter(compiled("clip 1"), "clip 1")
    assert index.built == 50  # the second pass reused every haystack
    renamed = replace(store.entries[job(7, "").id].job, name="Trailer Seven")
    store.upsert(renamed)
    store.flush()
    assert index.built == 51  # only the changed job's haystack was rebuilt
    assert index.haystack(renamed.id) == ("trailer seven\n" + renamed.id.lower(), 13)
    view.set_filter(compiled("trailer"), "trailer")
    assert shown(view) == [renamed.id]
    assert index.built == 51


def test_a_job_arriving_after_the_first_pass_is_matched() -> None:
    store = store_of([job(n, f"clip {n}") for n in range(10)])
    view = JobView(store)
    view.set_filter(compiled("sintel"), "sintel")
    assert shown(view) == []
    store.upsert(job(99, "Sintel 4K"))
    store.flush()
    assert shown(view) == [job(99, "").id]  # kept by the incremental path
    view.set_filter(compiled("4k"), "4k")  # and by a new pass, on its fresh haystack
    assert shown(view) == [job(99, "").id]


# ---------------------------------------------------------------------- equal to the predicate

NAME_CHARS = "abcAB İßx-:/!_ \n\t3"
names = st.text(alphabet=NAME_CHARS, max_size=12)
words = st.text(alphabet="abcABİßx-3", min_size=1, max_size=4)
terms = st.one_of(
    words,
    words.map(lambda w: f"name:{w}"),
    words.map(lambda w: f"id:{w}"),
    st.sampled_from(["name:", "id:", "state:error", "state:active", "priority:>0", "pri:1"]),
    st.sampled_from(["/a.c/", "/^B/", "/x$/"]),
)
filters = st.lists(
    st.tuples(st.sampled_from(["", "!", "!!"]), terms).map("".join), min_size=1, max_size=3
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    jobs=st.lists(
        st.tuples(names, st.text(alphabet="abAB-3İ", max_size=6), st.sampled_from(list(JobState))),
        max_size=25,
    ),
    text=filters,
)
def test_a_pass_on_haystacks_keeps_exactly_what_the_predicate_keeps(
    jobs: list[tuple[str, str, JobState]], text: str
) -> None:
    store = store_of(
        [job(n, name, f"{n}-{jid}", state) for n, (name, jid, state) in enumerate(jobs)]
    )
    try:
        job_filter = compiled(text)
    except FilterError:
        return
    view = JobView(store)
    view.set_filter(job_filter, text)
    assert shown(view) == plain(view, store, job_filter)
    # And job by job, the haystack test agrees with the predicate.
    index = FilterIndex(store)
    for job_id, entry in store.entries.items():
        kept = index.select([job_id], job_filter)
        assert bool(kept) == job_filter.predicate(entry.job), (entry.job.name, job_id)


def test_word_filters_take_the_substring_path() -> None:
    assert compiled("Enc big").needles == ("enc", "big")
    assert compiled("enc !big").needles is None
    assert compiled("name:enc").needles is None
    mixed = compiled("enc state:error")
    assert mixed.haystack_test is not None and mixed.job_test is not None
    assert compiled("state:error").haystack_test is None


# ---------------------------------------------------------------------- in slices


def many(n: int, seed: int = 3) -> JobStore:
    rng = random.Random(seed)
    pool = ["encoding", "sintel", "hero", "Trailer", "clip"]
    return store_of([job(i, f"{rng.choice(pool)} {rng.choice(pool)} {i}") for i in range(n)])


def test_a_pass_in_slices_equals_the_pass_at_once() -> None:
    store = many(2000)
    view = JobView(store)
    job_filter = compiled("sintel !clip")
    assert asyncio.run(view.set_filter_in_slices(job_filter, "sintel !clip", slice_size=150))
    assert view.filter_text == "sintel !clip"
    assert shown(view) == plain(view, store, job_filter)
    assert 0 < len(view) < len(store.entries)


def test_jobs_changing_during_a_pass_in_slices_are_taken_afresh() -> None:
    store = many(2000)
    view = JobView(store, sort_key="name", reverse=False)
    job_filter = compiled("hero")
    rng = random.Random(9)
    ids = list(store.entries)

    async def meanwhile() -> None:
        for step in range(30):
            for job_id in rng.sample(ids, 20):
                old = store.entries[job_id].job
                store.upsert(replace(old, name=rng.choice(["hero x", "sintel y", "Hero z"])))
            store.upsert(job(5000 + step, f"hero new {step}"))  # arrivals too
            store.flush()
            await asyncio.sleep(0)

    async def run() -> bool:
        changes = asyncio.ensure_future(meanwhile())
        done = await view.set_filter_in_slices(job_filter, "hero", slice_size=50)
        await changes
        return done

    assert asyncio.run(run())
    assert view._filter_index.passes == []  # the pass stopped listening
    assert shown(view) == plain(view, store, job_filter)
    # The view keeps following after the pass.
    store.upsert(replace(store.entries[ids[0]].job, name="HERO again"))
    store.flush()
    assert shown(view) == plain(view, store, job_filter)


def test_a_newer_filter_overtakes_a_pass_in_slices() -> None:
    store = many(2000)
    view = JobView(store)

    async def run() -> tuple[bool, bool]:
        slow = asyncio.ensure_future(view.set_filter_in_slices(compiled("hero"), "hero", 100))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        view.set_filter(None)  # e.g. escape: every job again, at once
        return await slow, False

    overtaken, _ = asyncio.run(run())
    assert overtaken is False
    assert view.filter_text == "" and len(view) == len(store.entries)


def test_a_resort_during_a_pass_in_slices_still_ends_right() -> None:
    store = many(1500)
    view = JobView(store)
    job_filter = compiled("trailer")

    async def run() -> bool:
        slow = asyncio.ensure_future(view.set_filter_in_slices(job_filter, "trailer", 100))
        await asyncio.sleep(0)
        view.set_sort("name")
        return await slow

    assert asyncio.run(run())
    assert shown(view) == plain(view, store, job_filter)


def test_filter_pass_steps_cover_every_key_once() -> None:
    store = many(1000)
    keys = list(store.entries)
    index = FilterIndex(store)
    job_filter = compiled("clip")
    under_way = FilterPass(index, keys, job_filter, 64)
    steps = 1
    while not under_way.step():
        steps += 1
    assert steps == -(-1000 // 64)
    assert under_way.kept == index.select(keys, job_filter)

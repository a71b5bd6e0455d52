"""Full garbage collections only while the user is quiet (`monitor.gc_schedule`), and the
monitor turning the schedule on after a big load and off when it exits."""

from __future__ import annotations

import gc
import weakref

import pytest

from amstui.monitor import gc_schedule
from amstui.monitor.gc_schedule import FullCollections


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def thresholds():  # type: ignore[no-untyped-def]
    saved = gc.get_threshold()
    yield saved
    gc.set_threshold(*saved)
    gc.enable()


def test_a_full_collection_waits_for_a_quiet_minute(thresholds) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    schedule = FullCollections(clock)
    schedule.start()
    assert gc.get_threshold() == (gc_schedule.YOUNG, gc_schedule.MIDDLE, gc_schedule.NEVER)
    clock.now += gc_schedule.EVERY - 1
    assert not schedule.due()  # too soon after the last one
    clock.now += 1
    schedule.key_pressed()
    assert not schedule.due()  # a key was just pressed
    clock.now += gc_schedule.QUIET_AFTER_KEY
    assert schedule.due()
    assert schedule.tick() and schedule.runs == 1
    assert not schedule.due()  # just ran


def test_keys_without_end_do_not_put_a_full_collection_off_forever(thresholds) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    schedule = FullCollections(clock)
    schedule.start()
    while clock.now < 1000.0 + gc_schedule.AT_LEAST_EVERY - 1:
        clock.now += 1
        schedule.key_pressed()
        assert not schedule.due()
    clock.now += 1
    schedule.key_pressed()
    assert schedule.due()


def test_tick_collects_cyclic_garbage_of_the_oldest_generation(thresholds) -> None:  # type: ignore[no-untyped-def]
    class Node:
        pass

    clock = Clock()
    schedule = FullCollections(clock)
    schedule.start()
    node = Node()
    node.me = node  # type: ignore[attr-defined]
    alive = weakref.ref(node)
    gc.collect(1)  # reachable: moved to the oldest generation
    del node
    gc.collect(1)  # young collections do not reach it
    assert alive() is not None
    assert not schedule.tick()  # not due: nothing collected
    assert alive() is not None
    clock.now += gc_schedule.EVERY + gc_schedule.QUIET_AFTER_KEY
    assert schedule.tick()
    assert alive() is None


def test_keys_hold_the_collector_off_until_they_stop(thresholds) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    schedule = FullCollections(clock)
    schedule.key_pressed()
    assert gc.isenabled() and not schedule.held  # the schedule is not running: no effect
    schedule.start()
    schedule.key_pressed()
    assert not gc.isenabled() and schedule.held
    clock.now += gc_schedule.KEYS_QUIET / 2
    schedule.key_pressed()
    clock.now += gc_schedule.KEYS_QUIET / 2
    schedule.tick()
    assert not gc.isenabled()  # the last key came less than KEYS_QUIET ago
    clock.now += gc_schedule.KEYS_QUIET / 2
    schedule.tick()
    assert gc.isenabled() and not schedule.held
    assert schedule.held_collections == 1  # what the keys left, collected as they stopped
    schedule.key_pressed()
    schedule.stop()
    assert gc.isenabled()  # stopped while held: the collector is on again


def test_under_keys_without_end_what_waits_is_still_collected(  # type: ignore[no-untyped-def]
    thresholds, monkeypatch
) -> None:
    class Node:
        pass

    monkeypatch.setattr(gc_schedule, "HELD_AT_MOST", 10_000)
    clock = Clock()
    schedule = FullCollections(clock)
    schedule.start()
    schedule.key_pressed()
    gc.collect()
    nodes = []
    for _ in range(1_000):
        node = Node()
        node.me = node  # type: ignore[attr-defined]
        nodes.append(weakref.ref(node))
    del node
    schedule.tick()
    assert schedule.held_collections == 0  # fewer waiting than HELD_AT_MOST
    assert all(ref() is not None for ref in nodes)  # the collector is off
    kept = [Node() for _ in range(10_000)]
    clock.now += 0.1
    schedule.key_pressed()
    schedule.tick()
    assert schedule.held_collections == 1 and gc.get_count()[0] < 100
    assert all(ref() is None for ref in nodes)  # the cycles were collected
    assert not gc.isenabled()  # and the keys still hold the collector off
    assert len(kept) == 10_000


def test_stop_puts_the_thresholds_back(thresholds) -> None:  # type: ignore[no-untyped-def]
    gc.set_threshold(700, 10, 10)
    schedule = FullCollections(Clock())
    schedule.start()
    schedule.start()  # twice: still the thresholds from before the first
    schedule.stop()
    assert gc.get_threshold() == (700, 10, 10)
    assert not schedule.tick()  # stopped: never collects


async def test_the_monitor_runs_the_schedule_after_a_big_load_and_stops_it_on_exit(
    thresholds,  # type: ignore[no-untyped-def]
) -> None:
    from textual import events

    from amstui.ui.app import GC_FREEZE_AT
    from amstui.ui.demo_rig import frozen_rig

    gc.set_threshold(700, 10, 10)
    rig = frozen_rig(jobs=GC_FREEZE_AT + 500)
    app = rig.app
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await rig.cycle(pilot)
            assert gc.get_threshold()[2] == gc_schedule.NEVER
            schedule = app.full_collections
            assert schedule.running and schedule.last_key == float("-inf")
            app.post_message(events.Key("j", "j"))
            await pilot.pause()
            # The key was seen: no full collection until the user is quiet again, and no
            # automatic one at all until the keys stop.
            assert schedule.last_key > float("-inf")
            assert schedule.held and not gc.isenabled()
            await pilot.pause(gc_schedule.KEYS_QUIET)
            for _ in range(50):  # the next tick (a quarter second apart) turns it back on
                if not schedule.held:
                    break
                await pilot.pause(0.1)
            assert gc.isenabled() and not schedule.held
    finally:
        gc.unfreeze()
    assert gc.get_threshold() == (700, 10, 10)
    assert not schedule.running

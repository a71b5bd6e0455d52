"""SortedRows: chunked sorted rows against a plain sorted list, under random changes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from amstui.monitor import sorted_rows
from amstui.monitor.sorted_rows import SortedRows

ops = st.lists(
    st.tuples(st.sampled_from(["add", "remove", "move"]), st.integers(0, 400), st.integers(0, 50)),
    max_size=300,
)


@settings(max_examples=60, deadline=None)
@given(ops=ops, load=st.sampled_from([2, 3, 8, 500]))
def test_matches_a_plain_sorted_list(ops: list[tuple[str, int, int]], load: int) -> None:
    old_load = sorted_rows.LOAD
    sorted_rows.LOAD = load  # small chunks: splits and emptied chunks happen often
    try:
        values: dict[str, int] = {}
        rows = SortedRows(lambda r: (values[r], r))
        for op, n, value in ops:
            row = f"r{n:04d}"
            if op == "add" and row not in values:
                values[row] = value
                rows.add(row)
            elif op == "remove" and row in values:
                assert rows.remove(row)
                del values[row]
            elif op == "move" and row in values:
                rows.remove(row)  # under its old key
                values[row] = value
                rows.add(row)
            expected = sorted(values, key=lambda r: (values[r], r))
            assert rows.to_list() == expected and len(rows) == len(expected)
        expected = sorted(values, key=lambda r: (values[r], r))
        for i, row in enumerate(expected):
            assert rows[i] == row and rows.index_of(row, (values[row], row)) == i
            assert rows[i - len(expected)] == row
        assert rows.between(3, 11) == expected[3:11]
        assert rows.between(-5, 10**6) == expected
        assert rows.select({r for r in expected[::2]}) == expected[::2]
    finally:
        sorted_rows.LOAD = old_load


def test_a_row_under_a_wrong_key_is_still_taken_out_once() -> None:
    values = {f"r{i}": i for i in range(50)}
    rows = SortedRows(lambda r: (values[r], r), values)
    values["r7"] = 99  # changed without telling the structure (a caller's bug)
    assert rows.remove("r7", (12, "r12x")) and "r7" not in rows.to_list()
    assert not rows.remove("r7") and len(rows) == 49


def test_index_errors_and_unknown_rows() -> None:
    rows = SortedRows(lambda r: r, ["b", "a", "c"])
    assert rows.to_list() == ["a", "b", "c"] and list(reversed(rows)) == ["c", "b", "a"]
    assert rows.index_of("zz", "zz") is None and "zz" not in rows and "b" in rows
    for bad in (3, -4):
        try:
            rows[bad]
        except IndexError:
            continue
        raise AssertionError(f"rows[{bad}] should raise")


@settings(max_examples=40, deadline=None)
@given(
    changes=st.lists(st.tuples(st.integers(0, 59), st.integers(0, 30)), max_size=60),
    order=st.randoms(use_true_random=False),
)
def test_rows_moved_a_few_at_a_time_end_in_order(changes: list[tuple[int, int]], order) -> None:  # type: ignore[no-untyped-def]
    old_load = sorted_rows.LOAD
    sorted_rows.LOAD = 3
    try:
        values = {f"r{i:02d}": i % 7 for i in range(40)}
        rows = SortedRows(lambda r: (values[r], r), values)
        placed: dict[str, object] = {}
        for n, value in changes:
            row = f"r{n:02d}"
            if row not in placed:
                placed[row] = (values[row], row) if row in values else None
            values[row] = value
        waiting = list(placed)
        order.shuffle(waiting)
        while waiting:
            step, waiting = waiting[:2], waiting[2:]
            rows.move(step, placed, values.__contains__)
        assert not placed
        assert rows.to_list() == sorted(values, key=lambda r: (values[r], r))
    finally:
        sorted_rows.LOAD = old_load

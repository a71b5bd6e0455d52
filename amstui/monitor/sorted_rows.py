"""`SortedRows`: row keys kept in sorted order, cheap to change at 100,000 rows.

A plain sorted list moves half of itself on every insertion or removal (a memmove of ~400 KB
at 100,000 rows: ~40 µs, paid per changed job and per sort key). Here the keys live in chunks
of at most `2 * LOAD` (the layout of the `sortedcontainers` package, reduced to what the view
needs): a change moves a few hundred pointers, a position is found by binary search over the
chunks' last keys and then inside one chunk, and row `i` by binary search over the chunks'
running counts (rebuilt after a change, one pass over the chunks, not the rows).

The rows themselves are strings (job ids or row keys); their order comes from `key`, a
function of a row. Callers keep `key` consistent with the order: a row's key must not change
while it is in the structure (remove it under its old key, then add it under the new one).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Container, Iterable, Iterator
from itertools import accumulate, chain, islice
from typing import Any

#: Half the largest chunk.
LOAD = 500

KeyFunc = Callable[[str], Any]


class SortedRows:
    """Rows in the order of `key` (see the module docstring)."""

    __slots__ = ("_chunks", "_counts", "_key", "_maxes", "_size")

    def __init__(self, key: KeyFunc, rows: Iterable[str] = (), *, presorted: bool = False) -> None:
        self._key = key
        ordered = list(rows) if presorted else sorted(rows, key=key)
        self._chunks: list[list[str]] = [
            ordered[i : i + LOAD] for i in range(0, len(ordered), LOAD)
        ]
        self._maxes: list[Any] = [key(chunk[-1]) for chunk in self._chunks]
        self._size = len(ordered)
        self._counts: list[int] | None = None

    @property
    def key(self) -> KeyFunc:
        return self._key

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[str]:
        for chunk in self._chunks:
            yield from chunk

    def __reversed__(self) -> Iterator[str]:
        for chunk in reversed(self._chunks):
            yield from reversed(chunk)

    def to_list(self) -> list[str]:
        return list(chain.from_iterable(self._chunks))

    def select(self, keep: Container[str]) -> list[str]:
        """The rows in `keep`, in order (one C-level pass when `keep` is a set)."""
        return list(filter(keep.__contains__, chain.from_iterable(self._chunks)))

    def select_prefixed(self, starts: tuple[str, ...]) -> list[str]:
        """The rows starting with one of `starts`, in order."""
        return [row for row in chain.from_iterable(self._chunks) if row.startswith(starts)]

    # ------------------------------------------------------------------ positions

    def _cumulative(self) -> list[int]:
        if self._counts is None:
            self._counts = list(accumulate(len(chunk) for chunk in self._chunks))
        return self._counts

    def __getitem__(self, index: int) -> str:
        if index < 0:
            index += self._size
        if not 0 <= index < self._size:
            raise IndexError(index)
        counts = self._cumulative()
        at = bisect_right(counts, index)
        before = counts[at - 1] if at else 0
        return self._chunks[at][index - before]

    def between(self, start: int, stop: int) -> list[str]:
        """Rows `start` to `stop` (excluded), clamped."""
        start, stop = max(start, 0), min(stop, self._size)
        if start >= stop:
            return []
        counts = self._cumulative()
        at = bisect_right(counts, start)
        offset = start - (counts[at - 1] if at else 0)
        out: list[str] = []
        want = stop - start
        for chunk in islice(self._chunks, at, None):
            piece = chunk[offset : offset + want - len(out)]
            out += piece
            offset = 0
            if len(out) >= want:
                break
        return out

    def index_of(self, row: str, key: Any) -> int | None:
        """The position of `row`, which sits under `key` (None if it is not here)."""
        at = bisect_left(self._maxes, key)
        if at >= len(self._maxes):
            return None
        chunk = self._chunks[at]
        pos = bisect_left(chunk, key, key=self._key)
        if pos >= len(chunk) or chunk[pos] != row:
            return None
        counts = self._cumulative()
        return (counts[at - 1] if at else 0) + pos

    def __contains__(self, row: object) -> bool:
        if not isinstance(row, str):
            return False
        return self.index_of(row, self._key(row)) is not None

    # ------------------------------------------------------------------ changes

    def add(self, row: str, key: Any | None = None) -> None:
        """Insert `row` (under `key`, its current key by default)."""
        key = self._key(row) if key is None else key
        self._counts = None
        self._size += 1
        maxes, chunks = self._maxes, self._chunks
        if not chunks:
            chunks.append([row])
            maxes.append(key)
            return
        at = bisect_left(maxes, key)
        if at == len(maxes):
            at -= 1
            chunks[at].append(row)
            maxes[at] = key
        else:
            insort(chunks[at], row, key=self._key)
        if len(chunks[at]) > 2 * LOAD:
            chunk = chunks[at]
            chunks[at : at + 1] = [chunk[:LOAD], chunk[LOAD:]]
            maxes[at : at + 1] = [self._key(chunk[LOAD - 1]), maxes[at]]

    def remove(self, row: str, key: Any | None = None) -> bool:
        """Take out `row`, which sits under `key` (its current key by default); False if it
        is not here. A row not found under `key` (a caller's key out of step) is looked for
        row by row, so that it is never left in twice."""
        key = self._key(row) if key is None else key
        maxes, chunks = self._maxes, self._chunks
        at = bisect_left(maxes, key)
        chunk = chunks[at] if at < len(maxes) else []
        pos = bisect_left(chunk, key, key=self._key) if chunk else 0
        if pos >= len(chunk) or chunk[pos] != row:
            found = next(((i, c.index(row)) for i, c in enumerate(chunks) if row in c), None)
            if found is None:
                return False
            at, pos = found
            chunk = chunks[at]
        del chunk[pos]
        self._counts = None
        self._size -= 1
        if not chunk:
            del chunks[at], maxes[at]
        elif pos == len(chunk):
            maxes[at] = self._key(chunk[-1])
        return True

    def move(
        self, moving: Iterable[str], placed: dict[str, Any], exists: Callable[[str], bool]
    ) -> None:
        """Move rows whose keys changed to their current keys. `placed` holds, for every row
        whose key changed since it was put here, the key it sits under (None: not here yet);
        the rows of `moving` are taken out of it as they move (a row `exists` says is gone is
        only taken out). Rows still in `placed` are compared under their old keys meanwhile,
        so the order stays consistent when only some of them move."""
        current = self._key

        def key(row: str) -> Any:
            return placed[row] if row in placed else current(row)

        self._key = key
        try:
            for row in list(moving):
                if row not in placed:
                    continue
                old = placed[row]
                if old is not None:
                    self.remove(row, old)
                del placed[row]
                if exists(row):
                    self.add(row)
        finally:
            self._key = current

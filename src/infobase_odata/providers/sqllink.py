"""Transactions of one SQL connection, shared by the SQLite and PostgreSQL links: the outermost
``transaction()`` is ``BEGIN`` … ``COMMIT`` (ROLLBACK on any exception, re-raised), a nested one
is a savepoint; the engine supplies how to begin, commit and roll back::

    class Link(Transactions):
        def _begin(self): ...        # take the write lock / connection, BEGIN
        def _commit(self): ...       # COMMIT (on failure: ROLLBACK, raise the store error)
        def _rollback(self): ...     # ROLLBACK, errors ignored
        def _finish(self): ...       # give back what _begin took
        def _statement(self, sql): ...   # SAVEPOINT / RELEASE
        def _quiet(self, sql): ...       # ROLLBACK TO, errors ignored

    with link.transaction() as conn:       # BEGIN
        with link.transaction():           # SAVEPOINT sp1 ... RELEASE SAVEPOINT sp1
            ...
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator


class Transactions:
    """The transaction depth of one connection and the nesting rules (a base of the links)."""

    depth: int = 0
    # (name, changes() when taken) of each open savepoint, innermost last; a level sharing its
    # enclosing savepoint repeats that one's entry.
    _savepoints: list[tuple[str, int | None]]
    # Facts a writer may reuse inside the current write transaction (the next number of a set,
    # ``sqlitewrites``); cleared when a transaction begins or a savepoint rolls back.
    memo: dict[Any, Any]

    @property
    def handle(self) -> Any:
        """What ``transaction()`` yields (the engine's connection)."""
        raise NotImplementedError

    def changes(self) -> int | None:
        """A counter that moves whenever this connection writes a row (None: the engine has
        none, and nothing is remembered in ``memo`` across statements)."""
        return None

    def _nested(self, name: str, written: int | None, own: bool) -> Iterator[Any]:
        """A nested level on savepoint ``name``: its ``own`` (SAVEPOINT … RELEASE), or the
        enclosing level's, shared: a failure rolls back to it either way, and a shared one is
        left open (and released) by its owner."""
        if own:
            self._statement(f"SAVEPOINT {name}")
        self.depth += 1
        self._savepoints.append((name, written))
        try:
            yield self.handle
        except BaseException:
            self.memo.clear()
            self._quiet(f"ROLLBACK TO SAVEPOINT {name}")
            if own:
                self._quiet(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            if own:
                self._statement(f"RELEASE SAVEPOINT {name}")
        finally:
            self.depth -= 1
            self._savepoints.pop()

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """After the outermost transaction ended, however it ended."""

    def _statement(self, sql: str) -> None:
        raise NotImplementedError

    def _quiet(self, sql: str) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Any]:
        if self.depth:
            written = self.changes()
            # Nothing written since the enclosing savepoint was taken: rolling back to it is
            # rolling back to here, so this level shares it (a create in a $batch change set
            # nests create_entity's transaction and the store's: two statements fewer each).
            shared = bool(self._savepoints) and written is not None and self._savepoints[-1][1] == written
            name = self._savepoints[-1][0] if shared else f"sp{self.depth}"
            yield from self._nested(name, written, own=not shared)
            return
        self._begin()  # cleans up after itself when it fails
        self.memo = {}
        self._savepoints = []
        self.depth = 1
        try:
            yield self.handle
        except BaseException:
            self._rollback()
            raise
        else:
            self._commit()
        finally:
            self.depth = 0
            self._finish()

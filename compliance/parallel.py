"""Check one run's files with several processes (``check --jobs N``): this one and forked workers.

Each process holds one :class:`Shard` from the build phase to the judge phase of the run
(:func:`compliance.run.check`); messages go one way, the run's arguments out and the shards'
small results back (:class:`Built`, :class:`Problem`, :class:`Judgement`). Files are shared
by size, largest first, each to the lightest share. Workers are forked, so they start with the
rule packs already loaded; they ignore SIGINT from their start (Ctrl-C reaches every process
of the group: the parent stops them) and never print: an exception in a worker is raised again
here, with the worker's traceback as its cause (shown with ``--debug``), so it ends the run as
an internal error exactly as in one process.

Imported only when a run asks for more than one process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import pickle
import signal
import sys
from collections.abc import Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import TYPE_CHECKING, Any

from compliance.errors import Problem, UsageError
from compliance.facts import Conflict
from compliance.policy.rules import Pack
from compliance.shard import Built, Judgement, Organizations, Shard, collector_paused

if TYPE_CHECKING:
    from compliance.sources.terraform import Plan


class WorkerError(RuntimeError):
    """A worker process ended without answering, or raised something that cannot be sent back."""


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker, as text (the cause of its copy here)."""

    def __str__(self) -> str:
        return str(self.args[0])


def share_files(files: Sequence[tuple[int, str]], n: int) -> list[list[tuple[int, str]]]:
    """Share ``(index, path)`` files among ``n`` shards: by size, largest first, each to the
    share with the fewest bytes so far (ties: the lowest share, then the earliest file).

    Returns ``n`` lists, each in run order; a file that cannot be sized counts as empty.
    """
    sized = []
    for index, path in files:
        try:
            size = os.stat(path).st_size
        except OSError:
            size = 0
        sized.append((-size, index, path))
    shares: list[list[tuple[int, str]]] = [[] for _ in range(n)]
    loads = [0] * n
    for neg, index, path in sorted(sized):
        k = loads.index(min(loads))
        shares[k].append((index, path))
        loads[k] -= neg
    return [sorted(s) for s in shares]


#: The worker processes of the runs under way (see :func:`stop_workers`).
_RUNNING: set[BaseProcess] = set()


def stop_workers() -> None:
    """Terminate every worker process still running: for a run that ends at once, without
    leaving its :class:`Workers` context (Ctrl-C, see :func:`compliance.cli._interrupt_now`)."""
    for proc in list(_RUNNING):
        proc.terminate()


class Workers:
    """``n`` shards for one run: this process's own and ``n - 1`` forked worker processes.

    Use as a context manager: entering starts the workers, leaving stops them (at once if
    the run failed). Implements :class:`compliance.run.Shards`. Needs the ``fork`` start
    method (Linux, macOS); entering raises :class:`UsageError` where it is missing.
    """

    def __init__(self, n: int, packs: Sequence[Pack], as_of: dt.date) -> None:
        self._n = n
        self._packs = packs
        self._as_of = as_of
        self._local = Shard(packs, as_of)
        self._conns: list[Connection] = []
        self._procs: list[BaseProcess] = []

    def __enter__(self) -> Workers:
        if "fork" not in multiprocessing.get_all_start_methods():
            raise UsageError(
                "--jobs: more than one process needs the fork start method, which this platform lacks"
            )
        ctx = multiprocessing.get_context("fork")
        # A forked child flushes its copy of these buffers when it ends: empty them first.
        sys.stdout.flush()
        sys.stderr.flush()
        # Ctrl-C reaches every process of the group. A worker is born with SIGINT blocked and
        # unblocks it once it ignores it (_serve): an interrupt during its start-up would
        # otherwise print a traceback there. Here it waits until the workers are started.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(self._n - 1):
                ours, theirs = ctx.Pipe()
                proc = ctx.Process(
                    target=_serve,
                    args=(theirs, Shard(self._packs, self._as_of), [*self._conns, ours]),
                    daemon=True,
                )
                proc.start()
                _RUNNING.add(proc)
                theirs.close()
                self._conns.append(ours)
                self._procs.append(proc)
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            self._stop(failed=True)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop(failed=exc_type is not None)

    def build(self, share: Sequence[tuple[int, str]]) -> list[Built]:
        """Share the files among the shards (:func:`share_files`) and build them all."""
        shares = share_files(share, self._n)
        for conn, theirs in zip(self._conns, shares[1:], strict=True):
            conn.send(("build", (theirs,)))
        mine = self._local.build(shares[0])
        return mine + [b for part in self._answers() for b in part]

    def problems(self, conflicts: Sequence[Conflict]) -> list[Problem]:
        """Every shard's :meth:`Shard.problems`, joined."""
        self._send("problems", list(conflicts))
        mine = self._local.problems(conflicts)
        return mine + [p for part in self._answers() for p in part]

    def judge(self, orgs: Organizations, plan: Plan | None) -> Judgement:
        """Every shard's :meth:`Shard.judge`, joined (this process's first)."""
        self._send("judge", orgs, plan)
        mine = self._local.judge(orgs, plan)
        # Freeing this process's files takes time the report would wait for after the run:
        # spend it while the workers finish.
        self._local.release()
        return Judgement.join([mine, *self._answers()])

    def _send(self, method: str, *args: Any) -> None:
        for conn in self._conns:
            conn.send((method, args))

    def _answers(self) -> list[Any]:
        return [self._answer(conn) for conn in self._conns]

    def _answer(self, conn: Connection) -> Any:
        try:
            kind, value, text = conn.recv()
        except (EOFError, OSError):
            proc = self._procs[self._conns.index(conn)]
            proc.join(1)
            raise WorkerError(
                f"a --jobs worker process ended without answering (exit status {proc.exitcode})"
            ) from None
        if kind == "ok":
            return value
        raise (value if value is not None else WorkerError(text.splitlines()[-1])) from RemoteTraceback(text)

    def _stop(self, *, failed: bool) -> None:
        for conn in self._conns:
            if not failed:
                with contextlib.suppress(OSError):  # already gone: nothing to stop
                    conn.send(None)
            conn.close()
        for proc in self._procs:
            if failed:
                proc.terminate()
            proc.join()
            _RUNNING.discard(proc)
        self._conns.clear()
        self._procs.clear()


@collector_paused
def _serve(conn: Connection, shard: Shard, inherited: list[Connection]) -> None:
    """A worker's loop: answer ``(method, args)`` messages with ``("ok", result, "")`` or
    ``("error", exception or None, traceback text)`` until ``None`` or the parent is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked since the fork
    for other in inherited:
        other.close()  # the parent's ends: a worker holding one would never see its parent go
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        method, args = message
        try:
            conn.send(("ok", getattr(shard, method)(*args), ""))
        except BaseException as exc:  # every failure goes back to the parent
            import traceback

            text = "".join(traceback.format_exception(exc))
            try:
                conn.send(("error", _portable(exc), text))
            except (OSError, pickle.PicklingError):
                return


def _portable(exc: BaseException) -> BaseException | None:
    """``exc`` if it survives pickling unchanged (type and message), else ``None``."""
    try:
        copy = pickle.loads(pickle.dumps(exc))
    except Exception:  # any failure means: send the text only
        return None
    return exc if type(copy) is type(exc) and str(copy) == str(exc) else None

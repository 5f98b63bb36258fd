"""Run two operations at once, each in its own thread (so its own database connection), and force
the interleaving that matters with a threading.Barrier placed *inside* the operations.

`pause_at(monkeypatch, "module.function", barrier)` makes the first call of that function in each
thread wait at the barrier (after the call by default, `before=True` for before it). Without a lock
both threads get there and continue together: exactly the interleaving a race needs. With a lock
the second thread waits for the first, which is held at the barrier alone until `timeout` and then
goes on; from then on the barrier is broken and nobody waits. So a test both fails reliably
without the fix and passes reliably with it, at the price of `timeout` seconds.

Needs PostgreSQL (row locks); `needs_postgres` skips on SQLite.
"""

import functools
import threading

import pytest
from django.conf import settings
from django.db import connections

needs_postgres = pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="needs PostgreSQL: SQLite has no row locks (select_for_update) and one writer at a time",
)

PAUSE_SECONDS = 1.5


def pause_at(monkeypatch, target: str, barrier: threading.Barrier, *, before: bool = False,
             timeout: float = PAUSE_SECONDS, threads: set[str] | None = None) -> None:
    """Patch `target` ("package.module.attr" or "package.module.Class.attr") so that the first call
    in each thread (named in `threads`, or any) waits at `barrier`."""
    module_path, _, attr = target.rpartition(".")
    owner = _resolve(module_path)
    real = getattr(owner, attr)
    seen: set[int] = set()

    def wait() -> None:
        me = threading.current_thread()
        if (threads is not None and me.name not in threads) or me.ident in seen:
            return
        seen.add(me.ident)
        try:
            barrier.wait(timeout=timeout)
        except threading.BrokenBarrierError:
            pass  # the other thread is blocked (a lock): go on alone

    @functools.wraps(real)
    def wrapper(*args, **kwargs):
        if before:
            wait()
        result = real(*args, **kwargs)
        if not before:
            wait()
        return result

    monkeypatch.setattr(owner, attr, wrapper)


def _resolve(path: str):
    import importlib

    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(path)


def run_concurrently(**operations) -> dict:
    """Run each keyword's callable in a thread named after the keyword; return {name: result or
    the exception it raised}. Each thread closes its database connections when done."""
    outcomes: dict = {}

    def run(name, fn):
        try:
            outcomes[name] = fn()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            outcomes[name] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name, fn), name=name) for name, fn in operations.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "an operation is stuck (deadlock?)"
    return outcomes

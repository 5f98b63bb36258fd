"""Helpers for tests that run the portal's real processes (gunicorn, celery, manage.py).

Every child gets a minimal, explicit environment (nothing leaks in from the test settings),
its output goes to a log file (never a pipe that could fill up), every wait is bounded, and
`stopped()` always ends the child by its pid.
"""

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PYTHON = sys.executable
VENV_BIN = str(Path(sys.executable).parent)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def secret_key() -> str:
    return secrets.token_urlsafe(60)


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production process: only what an operator would set."""
    env = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": secret_key(),
        "ALLOWED_HOSTS": "portal.example.com",
        "PORTAL_BASE_URL": "https://portal.example.com",
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout)


def log_tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except FileNotFoundError:
        return "(no log)"


def wait_for(condition: Callable[[], bool], *, timeout: float, interval: float = 0.1, what: str,
             process: subprocess.Popen | None = None, log: Path | None = None) -> None:
    """Poll `condition` until it holds; fail with the child's log if it times out or the child dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if process is not None and process.poll() is not None:
            raise AssertionError(f"process exited ({process.returncode}) before {what}:\n{log_tail(log) if log else ''}")
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}:\n{log_tail(log) if log else ''}")


@contextlib.contextmanager
def stopped(args: list[str], env: dict[str, str], log: Path, stop_timeout: float = 15) -> Iterator[subprocess.Popen]:
    """Start a child in its own session; on exit SIGTERM it by pid, then SIGKILL its group if it hangs."""
    with open(log, "wb") as out:
        process = subprocess.Popen(args, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the session this test started, by its id
                process.wait(timeout=5)


def child_pids(pid: int) -> set[int]:
    """Pids of the direct children of `pid` (read from /proc)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children

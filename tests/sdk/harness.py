"""Run the official JavaScript SDKs as real clients from pytest.

`tests/sdk/package.json` (+ its lockfile) pins the SDKs. `ensure_sdk_installed()` runs
`npm install --prefix .cache/npm-sdk` once, when the cache is missing or the pins changed, under a
file lock so parallel xdist workers install only once. `run_node_script()` runs a script of this
folder with that `node_modules` on NODE_PATH, sends it a JSON config on stdin and returns the JSON
it prints on stdout.

Scripts follow one convention: they print `{"checks": {"<name>": {"ok": bool, ...}}}` and never
throw; the Python test asserts each check, so one failure names the exact SDK call that broke.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

SDK_DIR = Path(__file__).resolve().parent
REPO_ROOT = SDK_DIR.parent.parent
CACHE_DIR = Path(os.environ.get("PORTAL_NPM_SDK_CACHE", REPO_ROOT / ".cache" / "npm-sdk"))
PINNED_FILES = ("package.json", "package-lock.json")


class SdkHarnessError(RuntimeError):
    pass


def _pins_digest() -> str:
    digest = hashlib.sha256()
    for name in PINNED_FILES:
        digest.update((SDK_DIR / name).read_bytes())
    return digest.hexdigest()[:16]


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise SdkHarnessError(f"`{tool}` is not installed: the SDK tests need Node.js 18+ and npm (apt-get install nodejs npm).")
    return found


def ensure_sdk_installed() -> Path:
    """Return the node_modules folder holding the pinned SDKs, installing them if needed."""
    node_modules = CACHE_DIR / "node_modules"
    stamp = CACHE_DIR / f".installed-{_pins_digest()}"
    if stamp.exists() and node_modules.is_dir():
        return node_modules
    npm = _require("npm")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another xdist worker may be installing right now
        if stamp.exists() and node_modules.is_dir():
            return node_modules
        for old in CACHE_DIR.glob(".installed-*"):
            old.unlink()
        for name in PINNED_FILES:
            shutil.copyfile(SDK_DIR / name, CACHE_DIR / name)
        result = subprocess.run(
            [npm, "install", "--prefix", str(CACHE_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise SdkHarnessError(f"npm install failed ({result.returncode}):\n{result.stderr[-4000:]}")
        stamp.touch()
    return node_modules


def run_node_script(script: str, config: dict, *, timeout: float = 120) -> dict:
    """Run tests/sdk/<script> with `config` as JSON on stdin; return the JSON it prints."""
    node = _require("node")
    node_modules = ensure_sdk_installed()
    env = {**os.environ, "NODE_PATH": str(node_modules), "NO_PROXY": "127.0.0.1,localhost"}
    result = subprocess.run(
        [node, str(SDK_DIR / script)],
        input=json.dumps(config),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise SdkHarnessError(
            f"{script} exited {result.returncode} without JSON output.\nstdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        ) from exc


def failed_checks(result: dict) -> dict:
    """The checks of a script's result that did not pass, for one readable assertion."""
    return {name: check for name, check in result["checks"].items() if not check.get("ok")}

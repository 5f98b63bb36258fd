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
PORTAL_SDK_DIR = REPO_ROOT / "tests" / "portal_sdk"
PORTAL_CACHE_DIR = Path(os.environ.get("PORTAL_NPM_PORTAL_SDK_CACHE", REPO_ROOT / ".cache" / "npm-portal-sdk"))
PINNED_FILES = ("package.json", "package-lock.json")


class SdkHarnessError(RuntimeError):
    pass


def _pins_digest(pins_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in PINNED_FILES:
        digest.update((pins_dir / name).read_bytes())
    return digest.hexdigest()[:16]


def _require(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise SdkHarnessError(f"`{tool}` is not installed: the SDK tests need Node.js 18+ and npm (apt-get install nodejs npm).")
    return found


def npm_install_pinned(pins_dir: Path, cache_dir: Path) -> Path:
    """The node_modules folder of `cache_dir` holding what `pins_dir`'s package.json and lockfile pin,
    installed with npm when missing or when the pins changed (once across xdist workers)."""
    node_modules = cache_dir / "node_modules"
    stamp = cache_dir / f".installed-{_pins_digest(pins_dir)}"
    if stamp.exists() and node_modules.is_dir():
        return node_modules
    npm = _require("npm")
    cache_dir.mkdir(parents=True, exist_ok=True)
    with open(cache_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another xdist worker may be installing right now
        if stamp.exists() and node_modules.is_dir():
            return node_modules
        for old in cache_dir.glob(".installed-*"):
            old.unlink()
        for name in PINNED_FILES:
            shutil.copyfile(pins_dir / name, cache_dir / name)
        result = subprocess.run(
            [npm, "install", "--prefix", str(cache_dir), "--no-audit", "--no-fund", "--loglevel=error"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            raise SdkHarnessError(f"npm install failed ({result.returncode}):\n{result.stderr[-4000:]}")
        stamp.touch()
    return node_modules


def ensure_sdk_installed() -> Path:
    """Return the node_modules folder holding the pinned SDKs, installing them if needed."""
    return npm_install_pinned(SDK_DIR, CACHE_DIR)


def ensure_portal_sdk_installed() -> Path:
    """The same for @ordercloud/portal-javascript-sdk, pinned in tests/portal_sdk."""
    return npm_install_pinned(PORTAL_SDK_DIR, PORTAL_CACHE_DIR)


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

# Sourced by scripts/serve and scripts/test: make .venv and install the project's dependencies
# into it, skipping pip when pyproject.toml has not changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
portal_pip_install() {  # $1: extras, e.g. "[test]" or ""
  local extras="$1" stamp
  stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)${extras//[^a-z]/}"
  if [ ! -f "$stamp" ]; then
    echo "==> installing Python dependencies$extras"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check ".$extras"
    rm -rf build ./*.egg-info
    touch "$stamp"
  fi
}

#!/usr/bin/env bash
# Idempotent set-up for a fresh machine: system packages (when root or with sudo), npm
# dependencies and the build. k6 is never fetched or built here (see the k6 section).
# Safe to run again: every step checks first and does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@";
  else return 1; fi
}

# --- system packages -------------------------------------------------------------------------
missing=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)                    # independent load generator for bench/
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose) # offline check of infra/compose
command -v chromium >/dev/null 2>&1 || missing+=(chromium)          # HTML report test
command -v tmux >/dev/null 2>&1 || missing+=(tmux)                  # live-view test in a real terminal
command -v ip >/dev/null 2>&1 || missing+=(iproute2)                # network namespaces of the distributed Locust test
# Locust's venv: python3.11 where it is installed (pyenv), else Debian's python3 with its venv module
command -v python3.11 >/dev/null 2>&1 || have_pkg python3-venv || missing+=(python3-venv)
# canvas (PNG charts) builds from source against these
for pkg in build-essential libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev; do
  have_pkg "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  step "installing system packages: ${missing[*]}"
  if command -v apt-get >/dev/null 2>&1 && as_root true; then
    # Keep Debian from starting the packaged services on their default ports: capacity starts
    # its own instances on free loopback ports and must not meet a system-wide one.
    added_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
      as_root chmod +x /usr/sbin/policy-rc.d
      added_policy=1
    fi
    as_root apt-get update -q
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    [ "$added_policy" = 1 ] && as_root rm -f /usr/sbin/policy-rc.d
  else
    echo "warning: cannot install ${missing[*]} (need root or passwordless sudo with apt-get)." >&2
    echo "         Install them with your package manager; 'capacity doctor' shows what is missing." >&2
  fi
else
  step "system packages: all present"
fi

# --- npm dependencies --------------------------------------------------------------------------
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1  # Artillery pulls Playwright; we never need its browser
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "installing npm dependencies"
  npm ci --no-audit --no-fund
else
  step "npm dependencies: up to date"
fi

# --- Locust (MIT) in a project-local Python environment ----------------------------------------
# Pinned, from PyPI with pip, into .venv-locust/ (gitignored): the fourth engine and the one for
# runs over several generator hosts. hdrhistogram records each worker's latencies.
LOCUST_VERSION=2.47.0
HDRHISTOGRAM_VERSION=0.10.8
locust_ok() {
  .venv-locust/bin/python - "$LOCUST_VERSION" "$HDRHISTOGRAM_VERSION" 2>/dev/null <<'PY'
import sys
from importlib.metadata import version
sys.exit(0 if (version("locust"), version("hdrhistogram")) == (sys.argv[1], sys.argv[2]) else 1)
PY
}
if [ -x .venv-locust/bin/locust ] && locust_ok; then
  step "Locust $LOCUST_VERSION: up to date in .venv-locust/"
else
  python_bin="$(command -v python3.11 || command -v python3 || true)"
  if [ -z "$python_bin" ]; then
    echo "warning: no python3 found: the Locust engine is off ('capacity doctor' says how to install it)." >&2
  else
    step "installing Locust $LOCUST_VERSION and hdrhistogram $HDRHISTOGRAM_VERSION into .venv-locust/ (PyPI)"
    [ -x .venv-locust/bin/python ] || "$python_bin" -m venv .venv-locust
    .venv-locust/bin/python -m pip install --quiet --disable-pip-version-check \
      "locust==$LOCUST_VERSION" "hdrhistogram==$HDRHISTOGRAM_VERSION"
  fi
fi

# --- k6 (not installed here) -----------------------------------------------------------------
# k6 is AGPL-3.0: the project neither fetches nor builds it. Users who want the k6 engine install
# it themselves (Grafana's packages, see README); without it the default engine is autocannon.
if command -v k6 >/dev/null 2>&1; then
  step "k6: found on PATH ($(command -v k6))"
else
  step "k6: not on PATH; the k6 engine is off and autocannon is the default ('capacity doctor' says how to install k6)"
fi

# --- build ----------------------------------------------------------------------------------
step "building capacity and the reference app"
npm run build --silent

step "done: try 'npx capacity doctor'"

#!/usr/bin/env bash
# Installs what mm needs to build, run and test on Debian 12, and nothing that is already there.
# Idempotent: every step checks first, so a second run is quick and needs no network.
# Reaches only the package registries: Debian apt, PyPI, npm (crates come through cargo).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(libpq-dev postgresql redis-server ffmpeg chromium chromium-driver nginx-light wrk
  pkg-config fonts-liberation)
MOTO_VENV=/opt/mm-tools/moto
OTIO_VENV=/opt/mm-tools/otio
WEBHOOKS_VENV=/opt/mm-tools/webhooks
API_VENV=/opt/mm-tools/api-contract

step() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "must run as root to install: $*"
  fi
}

installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }

APT_LOG="${TMPDIR:-/tmp}/mm-deps-apt.log"
apt_updated=0
# apt's own output goes to $APT_LOG, shown only on failure. The lock timeout waits for another apt
# run instead of failing on the dpkg lock.
apt_get() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 "$@" >>"$APT_LOG" 2>&1 || {
    tail -n 30 "$APT_LOG" >&2
    die "apt-get $1 failed (log: $APT_LOG)"
  }
}
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    apt_get update
    apt_updated=1
  fi
  apt_get install -y --no-install-recommends "$@"
}

# 1. Debian packages.
missing=()
for p in "${APT_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
if [ "${#missing[@]}" -eq 0 ]; then
  step "apt: all ${#APT_PACKAGES[@]} packages present"
else
  step "apt: installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

# 2. moto_server (S3-compatible server the storage tests start on loopback), pinned, in its own venv
#    so it never touches the system Python. moto 5.2 answers ListParts and CompleteMultipartUpload
#    with XML root elements that the AWS SDKs reject; 5.1 answers as S3 does.
MOTO_VERSION=5.1.22
if [ -x "$MOTO_VENV/bin/moto_server" ] &&
  "$MOTO_VENV/bin/python" -c "import sys, moto; sys.exit(moto.__version__ != '$MOTO_VERSION')" 2>/dev/null; then
  step "moto_server: $MOTO_VERSION present ($MOTO_VENV)"
else
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    step "moto_server: installing python3-venv"
    apt_install python3 python3-venv
  fi
  step "moto_server: installing moto[server]==$MOTO_VERSION from PyPI into $MOTO_VENV"
  as_root python3 -m venv "$MOTO_VENV"
  as_root "$MOTO_VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
  "$MOTO_VENV/bin/moto_server" --help >/dev/null 2>&1 || die "moto_server did not install in $MOTO_VENV"
fi

# A pinned PyPI venv for a test judge: NAME VENV CHECK PIN...; installed unless every pin is
# already there, then CHECK (a shell command) must pass.
pinned_venv() {
  local name=$1 venv=$2 check=$3
  shift 3
  if [ -x "$venv/bin/python" ] &&
    "$venv/bin/python" -c "
import sys, importlib.metadata as m
want = dict(p.split('==') for p in sys.argv[1:])
sys.exit(any(m.version(k) != v for k, v in want.items()))" "$@" 2>/dev/null; then
    step "$name: $* present ($venv)"
    return
  fi
  step "$name: installing $* from PyPI into $venv"
  as_root python3 -m venv "$venv"
  as_root "$venv/bin/pip" install -q --disable-pip-version-check "$@"
  bash -c "$check" || die "$name did not install in $venv"
}

# 2b. OpenTimelineIO with its CMX 3600 and FCPXML readers: the review tests read mm's marker
#     exports back with it (0.18 ships neither reader inside).
pinned_venv otio "$OTIO_VENV" "'$OTIO_VENV/bin/python' -c 'import opentimelineio'" \
  opentimelineio==0.18.1 otio-cmx3600-adapter==1.0.0 otio-fcpx-xml-adapter==1.0.0

# 2c. standardwebhooks (Standard Webhooks' own verifier): the webhook test checks mm's
#     signatures with it rather than with mm's code.
pinned_venv standardwebhooks "$WEBHOOKS_VENV" "'$WEBHOOKS_VENV/bin/python' -c 'import standardwebhooks'" \
  standardwebhooks==1.1.0

# 2d. The API contract tools: openapi-spec-validator checks the OpenAPI document and
#     schemathesis fuzzes a live mm against it (tests/it/api_contract).
pinned_venv api-contract "$API_VENV" "[ -x '$API_VENV/bin/st' ] && [ -x '$API_VENV/bin/openapi-spec-validator' ]" \
  openapi-spec-validator==0.9.0 schemathesis==4.32.5

# 3. npm packages (hls.js for the player, playwright-core for browser tests), pinned by the lockfile.
#    Chromium is Debian's; playwright must never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -f package.json ] && [ -f package-lock.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    step "npm: installing nodejs and npm"
    apt_install nodejs npm
  fi
  stamp=node_modules/.mm-lock-sha256
  want="$(sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    step "npm: node_modules matches package-lock.json"
  else
    step "npm: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    printf '%s\n' "$want" >"$stamp"
  fi
else
  step "npm: no package.json/package-lock.json, skipped"
fi

# 4. Tools that come with the machine and cannot be installed from here.
command -v cargo >/dev/null 2>&1 || die "cargo not found: install the Rust toolchain (rustup)"
step "cargo: present ($(command -v cargo))"
if command -v cargo-nextest >/dev/null 2>&1; then
  step "cargo-nextest: present"
else
  step "cargo-nextest: absent, make test falls back to cargo test"
fi
step "done"

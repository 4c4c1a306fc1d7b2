# mm: one binary, four roles. `make run` starts it on this box; `make test` runs what CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.ONESHELL:
# deps, then services, then build: the order matters.
.NOTPARALLEL:

CARGO ?= cargo
# One target/ dir for every build, whatever the caller's environment says.
export CARGO_TARGET_DIR := $(CURDIR)/target
MM_BIN := $(CARGO_TARGET_DIR)/release/mm
LOCAL_ENV := .mm/local.env
# Chromium is Debian's; no npm package may download a browser.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1

# Loads .mm/local.env without overriding variables the caller already set, then the database and
# Redis URLs chosen (and started if needed) by scripts/services.sh.
define load_env
while IFS='=' read -r key value; do
  case "$$key" in ''|\#*) continue ;; esac
  if [ -z "$${!key:-}" ]; then export "$$key=$$value"; fi
done < $(LOCAL_ENV)
eval "$$(scripts/services.sh --print-env)"
export DATABASE_URL REDIS_URL
export MM_DATA_DIR="$${MM_DATA_DIR:-./data}" PORT="$${PORT:-8080}"
endef

.PHONY: help run test bench build fmt lint migrate clean-data deps services

help:
	@echo "make run         install what is missing, start PostgreSQL and Redis, build, migrate, serve --role=all"
	@echo "make test        what CI runs: fmt check, clippy -D warnings, unit and integration tests, browser tests"
	@echo "make bench       every executable bench/*.sh in order"
	@echo "make build       cargo build --release"
	@echo "make fmt         cargo fmt"
	@echo "make lint        fmt check and clippy -D warnings"
	@echo "make migrate     apply migrations to DATABASE_URL (default the local database mm)"
	@echo "make clean-data  delete ./data, the local database mm and Redis keys under mm:"

deps:
	@scripts/deps.sh

services:
	@scripts/services.sh

build:
	$(CARGO) build --release

$(LOCAL_ENV):
	@mkdir -p $(@D)
	chmod 700 $(@D)
	rand32() { openssl rand -base64 32 2>/dev/null || python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())'; }
	secret="$$(rand32)"
	edge="$$(rand32)"
	[ "$${#secret}" -ge 43 ] && [ "$${#edge}" -ge 43 ] || { echo "could not generate keys (openssl or python3)"; exit 1; }
	umask 077
	{
	  echo "# Generated once by make run for this checkout; private. Variables set in the environment win."
	  echo "MM_SECRET_KEY=$$secret"
	  echo "MM_EDGE_KEYS=k1:$$edge"
	} > $@.tmp
	mv $@.tmp $@
	echo "wrote $@ (MM_SECRET_KEY, MM_EDGE_KEYS)"

run: deps services build $(LOCAL_ENV)
	@$(load_env)
	mkdir -p "$$MM_DATA_DIR"
	$(MM_BIN) migrate
	echo "mm is running at http://127.0.0.1:$$PORT"
	exec $(MM_BIN) serve --role=all

migrate: $(LOCAL_ENV)
	@test -x $(MM_BIN) || $(CARGO) build --release
	$(load_env)
	$(MM_BIN) migrate

test: deps services
	@export TEST_DATABASE_URL="$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
	export TEST_REDIS_URL="$${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
	echo "== cargo fmt --check"
	$(CARGO) fmt --all -- --check
	echo "== cargo clippy -D warnings"
	$(CARGO) clippy --all-targets -- -D warnings
	if command -v cargo-nextest >/dev/null 2>&1; then
	  # nextest runs no doctests; run them first so the last summary is nextest's.
	  if [ -f src/lib.rs ]; then echo "== cargo test --doc"; $(CARGO) test --doc; fi
	  echo "== cargo nextest run"
	  $(CARGO) nextest run --no-fail-fast --retries 2
	else
	  echo "== cargo test"
	  $(CARGO) test
	fi
	if [ -f package.json ] && node -e 'process.exit(require("./package.json").scripts?.["test:browser"] ? 0 : 1)'; then
	  echo "== npm run test:browser"
	  npm run test:browser
	fi

bench: deps services build $(LOCAL_ENV)
	@$(load_env)
	export MM_BIN="$(MM_BIN)"
	export TEST_DATABASE_URL="$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
	export TEST_REDIS_URL="$${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
	shopt -s nullglob
	ran=0
	for script in $$(printf '%s\n' bench/*.sh | LC_ALL=C sort); do
	  [ -x "$$script" ] || continue
	  echo "== $$script"
	  "$$script"
	  ran=$$((ran + 1))
	done
	[ "$$ran" -gt 0 ] || echo "no benchmarks yet: add an executable bench/*.sh"

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

# Resets the one-box run: local files, the local database and Redis keys. Never touches a
# DATABASE_URL or REDIS_URL given in the environment.
clean-data:
	@data="$${MM_DATA_DIR:-./data}"
	case "$$data" in ''|/|.|..) echo "refusing to delete MM_DATA_DIR=$$data"; exit 1 ;; esac
	rm -rf -- "$$data"
	echo "deleted $$data"
	if [ -n "$${DATABASE_URL:-}$${POSTGRES_URL:-}" ]; then
	  echo "DATABASE_URL is set: database left alone"
	elif pg_isready -q -h 127.0.0.1 -p 5432; then
	  psql -X -w -q -h 127.0.0.1 -U postgres -d postgres -c 'drop database if exists mm with (force)'
	  echo "dropped database mm"
	fi
	if [ -n "$${REDIS_URL:-}$${VALKEY_URL:-}" ]; then
	  echo "REDIS_URL is set: Redis left alone"
	elif [ "$$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; then
	  prefix="$${MM_REDIS_PREFIX:-mm:}"
	  redis-cli -h 127.0.0.1 -p 6379 --scan --pattern "$$prefix*" | xargs -r -n 500 redis-cli -h 127.0.0.1 -p 6379 del >/dev/null
	  echo "deleted Redis keys $$prefix*"
	fi

#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer for mm, starting local ones when needed. Idempotent.
#
#   scripts/services.sh               ensure both; progress on stderr
#   scripts/services.sh --print-env   same, then print DATABASE_URL=... and REDIS_URL=... on stdout
#
# Order of choice for each: DATABASE_URL (or POSTGRES_URL) / REDIS_URL (or VALKEY_URL) when set and
# reachable; else the local server on 127.0.0.1:5432 / 127.0.0.1:6379; else start the local one.
# The printed DATABASE_URL names the database `mm` (MM_DB_NAME), created when missing.
set -euo pipefail

PRINT_ENV=0
for arg in "$@"; do
  case "$arg" in
    --print-env) PRINT_ENV=1 ;;
    -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) printf 'services: unknown argument %s (try --help)\n' "$arg" >&2; exit 2 ;;
  esac
done

PG_HOST=127.0.0.1
PG_PORT=5432
DB_NAME="${MM_DB_NAME:-mm}"
REDIS_PORT=6379
PG_WAIT="${MM_SERVICES_WAIT:-30}"
REDIS_WAIT="${MM_SERVICES_WAIT:-30}"
REDIS_LOG=/var/log/redis/mm.log

say() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- PostgreSQL
pg_local_admin() { psql -X -w -q -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres "$@"; }
pg_local_ok() { pg_local_admin -tAc 'select 1' >/dev/null 2>&1; }
pg_local_answers() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

pg_version() {
  [ -d /etc/postgresql ] || return 1
  local v
  v="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$v" ] || return 1
  printf '%s\n' "$v"
}

# Tests and `make run` connect as postgres over TCP without a password; the first matching line of
# pg_hba.conf wins, so ours go first.
pg_trust_loopback() {
  local v="$1" hba="/etc/postgresql/$1/main/pg_hba.conf"
  [ -f "$hba" ] || die "no $hba"
  if grep -q '^# mm: trust' "$hba"; then return 1; fi
  say "postgres: allowing user postgres from 127.0.0.1 and ::1 without a password ($hba)"
  local tmp
  tmp="$(mktemp)"
  {
    printf '# mm: trust the postgres user on loopback for local runs and tests (scripts/services.sh)\n'
    printf 'host all postgres 127.0.0.1/32 trust\n'
    printf 'host all postgres ::1/128 trust\n'
    cat "$hba"
  } >"$tmp"
  cat "$tmp" >"$hba"
  rm -f "$tmp"
  return 0
}

pg_wait() {
  local i
  for ((i = 0; i < PG_WAIT * 2; i++)); do
    pg_local_answers && return 0
    sleep 0.5
  done
  return 1
}

pg_start_local() {
  command -v pg_ctlcluster >/dev/null 2>&1 || die "PostgreSQL is not installed: run scripts/deps.sh"
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL on $PG_HOST:$PG_PORT is down and starting it needs root"
  local v
  v="$(pg_version)" || die "no PostgreSQL version under /etc/postgresql: run scripts/deps.sh"
  if [ ! -d "/etc/postgresql/$v/main" ]; then
    say "postgres: creating cluster $v/main on port $PG_PORT"
    pg_createcluster -p "$PG_PORT" "$v" main >/dev/null
  fi
  pg_trust_loopback "$v" || true
  say "postgres: starting cluster $v/main"
  pg_ctlcluster --skip-systemctl-redirect "$v" main start ||
    die "PostgreSQL $v/main did not start; see /var/log/postgresql/postgresql-$v-main.log"
  pg_wait || die "PostgreSQL did not answer on $PG_HOST:$PG_PORT within ${PG_WAIT}s; see /var/log/postgresql/postgresql-$v-main.log"
}

ensure_postgres() {
  local url="${DATABASE_URL:-${POSTGRES_URL:-}}"
  if [ -n "$url" ]; then
    if psql -X -w -q "$url" -tAc 'select 1' >/dev/null 2>&1; then
      say "postgres: using DATABASE_URL (reachable)"
      DB_URL="$url"
      return
    fi
    say "postgres: DATABASE_URL is set but does not answer; falling back to $PG_HOST:$PG_PORT"
  fi
  if pg_local_answers; then
    say "postgres: running on $PG_HOST:$PG_PORT"
  else
    pg_start_local
    say "postgres: started on $PG_HOST:$PG_PORT"
  fi
  if ! pg_local_ok; then
    # Answers but refuses user postgres without a password: a fresh Debian cluster.
    local v
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL on $PG_HOST:$PG_PORT refuses user postgres without a password (needs root to fix pg_hba.conf)"
    v="$(pg_version)" || die "PostgreSQL on $PG_HOST:$PG_PORT refuses user postgres and is not a local Debian cluster"
    if pg_trust_loopback "$v"; then
      pg_ctlcluster --skip-systemctl-redirect "$v" main reload
      sleep 1
    fi
    pg_local_ok || die "PostgreSQL on $PG_HOST:$PG_PORT refuses user postgres: $(pg_local_admin -tAc 'select 1' 2>&1 | head -n 1)"
  fi
  if [ "$(pg_local_admin -tAc "select 1 from pg_database where datname = '$DB_NAME'")" != 1 ]; then
    say "postgres: creating database $DB_NAME"
    pg_local_admin -c "create database \"$DB_NAME\"" >/dev/null
  fi
  DB_URL="postgres://postgres@$PG_HOST:$PG_PORT/$DB_NAME"
}

# ---------------------------------------------------------------- Redis
redis_ping() { [ "$(timeout 5 redis-cli "$@" ping 2>/dev/null)" = PONG ]; }

ensure_redis() {
  local url="${REDIS_URL:-${VALKEY_URL:-}}"
  if [ -n "$url" ]; then
    local tls=()
    case "$url" in rediss://*) tls=(--tls) ;; esac
    if redis_ping -u "$url" "${tls[@]}"; then
      say "redis: using REDIS_URL (reachable)"
      RD_URL="$url"
      return
    fi
    say "redis: REDIS_URL is set but does not answer; falling back to 127.0.0.1:$REDIS_PORT"
  fi
  if redis_ping -h 127.0.0.1 -p "$REDIS_PORT"; then
    say "redis: running on 127.0.0.1:$REDIS_PORT"
  else
    command -v redis-server >/dev/null 2>&1 || die "Redis is not installed: run scripts/deps.sh"
    say "redis: starting on 127.0.0.1:$REDIS_PORT (no persistence, log $REDIS_LOG)"
    mkdir -p /var/lib/redis "$(dirname "$REDIS_LOG")" ||
      die "cannot create /var/lib/redis or $(dirname "$REDIS_LOG") (needs root)"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
      --appendonly no --dir /var/lib/redis --logfile "$REDIS_LOG" ||
      die "redis-server did not start; see $REDIS_LOG"
    local i ok=0
    for ((i = 0; i < REDIS_WAIT * 2; i++)); do
      if redis_ping -h 127.0.0.1 -p "$REDIS_PORT"; then ok=1; break; fi
      sleep 0.5
    done
    [ "$ok" -eq 1 ] || die "Redis did not answer on 127.0.0.1:$REDIS_PORT within ${REDIS_WAIT}s; see $REDIS_LOG"
    say "redis: started on 127.0.0.1:$REDIS_PORT"
  fi
  RD_URL="redis://127.0.0.1:$REDIS_PORT"
}

command -v psql >/dev/null 2>&1 || die "psql is not installed: run scripts/deps.sh"
command -v redis-cli >/dev/null 2>&1 || die "redis-cli is not installed: run scripts/deps.sh"

DB_URL=""
RD_URL=""
ensure_postgres
ensure_redis

if [ "$PRINT_ENV" -eq 1 ]; then
  printf 'DATABASE_URL=%q\n' "$DB_URL"
  printf 'REDIS_URL=%q\n' "$RD_URL"
fi

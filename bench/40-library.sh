#!/usr/bin/env bash
# Library page: server time for a page of 50 out of 100,000 assets (goal: under 50 ms).
# Seeds a fresh database with generate_series, signs in, requests the page repeatedly and reads
# the server's own `Server-Timing: total;dur=` header; prints median and p95 per scenario and
# the ratio to the goal. Loopback only; cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

ASSETS="${BENCH_LIBRARY_ASSETS:-100000}"
REQUESTS="${BENCH_LIBRARY_REQUESTS:-200}"
GOAL_MS=50
ADMIN_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
MM_BIN="${MM_BIN:-${CARGO_TARGET_DIR:-target}/release/mm}"
if [ ! -x "$MM_BIN" ]; then
  echo "building the release binary"
  cargo build --release --quiet
  MM_BIN="${CARGO_TARGET_DIR:-target}/release/mm"
fi

id="$(head -c6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
db="mm_bench_library_${id}"
db_url="$(python3 -c 'import sys,urllib.parse as u; p=u.urlparse(sys.argv[1]); print(p._replace(path="/"+sys.argv[2]).geturl())' "$ADMIN_URL" "$db")"
work="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
key() { head -c32 /dev/urandom | base64 | tr -d '\n'; }
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  psql -X -q -d "$ADMIN_URL" -c "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  redis-cli -u "$REDIS" --scan --pattern "mmbench:${id}:*" 2>/dev/null | xargs -r redis-cli -u "$REDIS" del >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="$db_url" REDIS_URL="$REDIS" MM_REDIS_PREFIX="mmbench:${id}:"
export MM_DATA_DIR="$work/data" PORT="$port" MM_BIND=127.0.0.1 MM_PUBLIC_URL="http://127.0.0.1:$port"
export MM_EDGE_KEYS="b1:$(key)" MM_SECRET_KEY="$(key)" MM_LOG_FORMAT=json RUST_LOG=warn
mkdir -p "$MM_DATA_DIR"

psql -X -q -d "$ADMIN_URL" -c "create database $db" >/dev/null
"$MM_BIN" migrate >/dev/null
MM_PASSWORD="bench-password-123" "$MM_BIN" user create --email bench@example.com --role admin >/dev/null

echo "seeding $ASSETS assets"
seed_start=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -v n="$ASSETS" -f bench/library-seed.sql >/dev/null
seed_end=$(date +%s.%N)
printf 'seeded in %.1f s\n' "$(echo "$seed_end - $seed_start" | bc)"

"$MM_BIN" serve --role=api >"$work/mm.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null || { cat "$work/mm.log"; exit 1; }

jar="$work/cookies"
curl -fsS -c "$jar" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"bench-password-123"}' \
  "http://127.0.0.1:$port/api/auth/login" >/dev/null

# One scenario: REQUESTS requests of a URL; prints median and p95 of Server-Timing total.
measure() {
  local label="$1" path="$2" out="$work/times"
  : >"$out"
  for _ in $(seq 1 20); do curl -fsS -b "$jar" -o /dev/null "http://127.0.0.1:$port$path"; done
  for _ in $(seq 1 "$REQUESTS"); do
    curl -fsS -b "$jar" -o "$work/body" -D - "http://127.0.0.1:$port$path" \
      | tr -d '\r' \
      | sed -n 's/^server-timing:.*db;dur=\([0-9.]*\).*total;dur=\([0-9.]*\).*/\2 \1/Ip' >>"$out"
  done
  local count
  count=$(wc -l <"$out")
  [ "$count" -eq "$REQUESTS" ] || { echo "$label: only $count of $REQUESTS answers had Server-Timing"; exit 1; }
  grep -q 'data-asset-id' "$work/body" || { echo "$label: the page lists no asset"; exit 1; }
  sort -n "$out" | awk -v label="$label" -v goal="$GOAL_MS" '
    { v[NR] = $1; db[NR] = $2 }
    END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      p = int(NR * 0.95 + 0.999999); if (p > NR) p = NR
      n = asort(db)
      dbmed = (n % 2) ? db[(n + 1) / 2] : (db[n / 2] + db[n / 2 + 1]) / 2
      printf "%-32s median %7.2f ms  p95 %7.2f ms  (database median %6.2f ms)  p95/goal %.2f\n", label, med, v[p], dbmed, v[p] / goal
    }'
}

echo "library page of 50 out of $ASSETS assets, $REQUESTS requests each, server time (Server-Timing total; goal < $GOAL_MS ms):"
measure "newest, page 1" "/"
measure "newest, page 1, list view" "/?view=list"
measure "newest, page 200" "/?page=200"
measure "status processing" "/?status=processing"
measure "type audio, title order" "/?media=audio&sort=title"
measure "search \"reel7\" (11% match)" "/?q=reel7"
measure "search \"reel7\", best match" "/?q=reel7&sort=relevance"
measure "search \"A042\" + date range" "/?q=A042&from=2020-01-01&to=2100-01-01"

#!/usr/bin/env bash
# Review: an asset with 2,000 comments (200 with drawings) against the same asset with none,
# measured in the same run. Prints p50 and p95 of the asset page and of
# GET /api/assets/{id}/comments (goals 50 ms and 20 ms), and of the three exports, each with
# its ratio to the goal and to the empty asset's time. Times are curl's time_total on
# loopback (the server's time plus loopback overhead). Loopback only; cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS="${BENCH_REVIEW_REQUESTS:-100}"
ADMIN_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
MM_BIN="${MM_BIN:-${CARGO_TARGET_DIR:-target}/release/mm}"
if [ ! -x "$MM_BIN" ]; then
  echo "building the release binary"
  cargo build --release --quiet
  MM_BIN="${CARGO_TARGET_DIR:-target}/release/mm"
fi

id="$(head -c6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
db="mm_bench_review_${id}"
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
busy="$(python3 -c 'import uuid; print(uuid.uuid4())')"
quiet="$(python3 -c 'import uuid; print(uuid.uuid4())')"
psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -v busy="$busy" -v quiet="$quiet" -f bench/review-seed.sql >/dev/null
counts="$(psql -X -At -d "$db_url" -c "select count(*), count(drawing) from comments where asset_id = '$busy'")"
echo "seeded: comments|drawings = $counts"

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

# Prints "p50 p95" in ms of REQUESTS GETs of a path (after a warm-up), and checks the answer.
times() {
  local path="$1" expect="$2" out="$work/times"
  : >"$out"
  for _ in $(seq 1 10); do curl -fsS -b "$jar" -o /dev/null "http://127.0.0.1:$port$path"; done
  for _ in $(seq 1 "$REQUESTS"); do
    curl -fsS -b "$jar" -o "$work/body" -w '%{time_total}\n' "http://127.0.0.1:$port$path" >>"$out"
  done
  grep -q -- "$expect" "$work/body" || { echo "$path: the answer lacks '$expect'" >&2; exit 1; }
  sort -n "$out" | awk '{ v[NR] = $1 * 1000 } END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      p = int(NR * 0.95 + 0.999999); if (p > NR) p = NR
      printf "%.2f %.2f\n", med, v[p] }'
}

# One scenario: the busy asset against the quiet one.
measure() {
  local label="$1" goal="$2" busy_path="$3" quiet_path="$4" expect="$5"
  read -r b50 b95 <<<"$(times "$busy_path" "$expect")"
  read -r q50 q95 <<<"$(times "$quiet_path" "")"
  awk -v l="$label" -v g="$goal" -v b50="$b50" -v b95="$b95" -v q50="$q50" -v q95="$q95" 'BEGIN {
    goal = (g > 0) ? sprintf("  p95/goal(%d ms) %.2f", g, b95 / g) : ""
    printf "%-30s p50 %7.2f ms  p95 %7.2f ms  | no comments p50 %6.2f ms  p50 ratio %5.2f%s\n",
      l, b50, b95, q50, b50 / q50, goal }'
}

echo "review of one version with 2,000 comments, $REQUESTS requests each (client time on loopback):"
measure "asset page" 50 "/assets/$busy" "/assets/$quiet" "data-asset-id"
measure "GET comments (all)" 20 "/api/assets/$busy/comments" "/api/assets/$quiet/comments" '"comments"'
measure "export EDL" 0 "/api/assets/$busy/comments/export?format=edl" "/api/assets/$quiet/comments/export?format=edl" "TITLE"
measure "export FCPXML" 0 "/api/assets/$busy/comments/export?format=fcpxml" "/api/assets/$quiet/comments/export?format=fcpxml" "fcpxml"
measure "export CSV" 0 "/api/assets/$busy/comments/export?format=csv" "/api/assets/$quiet/comments/export?format=csv" "timecode"

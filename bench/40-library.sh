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
. bench/lib.sh
bench_setup library

echo "seeding $ASSETS assets"
seed_start=$(date +%s.%N)
psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -v n="$ASSETS" -f bench/library-seed.sql >/dev/null
seed_end=$(date +%s.%N)
printf 'seeded in %.1f s\n' "$(echo "$seed_end - $seed_start" | bc)"

bench_serve

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

#!/usr/bin/env bash
# Review: an asset with 2,000 comments (200 with drawings) against the same asset with none,
# measured in the same run. Prints p50 and p95 of the asset page and of
# GET /api/assets/{id}/comments (a page; goals 50 ms and 20 ms), and of the three exports, each
# with its ratio to the goal and to the empty asset's time. Times are the server's own, from the
# Server-Timing total every answer carries. Loopback only; cleans up after itself.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS="${BENCH_REVIEW_REQUESTS:-100}"
. bench/lib.sh
bench_setup review
busy="$(python3 -c 'import uuid; print(uuid.uuid4())')"
quiet="$(python3 -c 'import uuid; print(uuid.uuid4())')"
psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -v busy="$busy" -v quiet="$quiet" -f bench/review-seed.sql >/dev/null
counts="$(psql -X -At -d "$db_url" -c "select count(*), count(drawing) from comments where asset_id = '$busy'")"
echo "seeded: comments|drawings = $counts"

bench_serve

# Prints "p50 p95" in ms of the server's own time (Server-Timing total, which every answer
# carries) over REQUESTS GETs of a path, after a warm-up, and checks the answer.
times() {
  local path="$1" expect="$2" out="$work/times"
  : >"$out"
  for _ in $(seq 1 10); do curl -fsS -b "$jar" -o /dev/null "http://127.0.0.1:$port$path"; done
  for _ in $(seq 1 "$REQUESTS"); do
    curl -fsS -b "$jar" -o "$work/body" -D "$work/headers" "http://127.0.0.1:$port$path"
    sed -n 's/^server-timing:.*total;dur=\([0-9.]*\).*/\1/Ip' "$work/headers" >>"$out"
  done
  local count; count="$(wc -l <"$out")"
  [ "$count" -eq "$REQUESTS" ] || { echo "$path: only $count of $REQUESTS answers had Server-Timing" >&2; exit 1; }
  grep -q -- "$expect" "$work/body" || { echo "$path: the answer lacks '$expect'" >&2; exit 1; }
  sort -n "$out" | awk '{ v[NR] = $1 } END {
      med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
      p = int(NR * 0.95 + 0.999999); if (p > NR) p = NR
      printf "%.2f %.2f\n", med, v[p] }'
}

# One scenario: the busy asset against the quiet one (the baseline, measured now).
measure() {
  local label="$1" goal="$2" busy_path="$3" quiet_path="$4" expect="$5"
  read -r b50 b95 <<<"$(times "$busy_path" "$expect")"
  read -r q50 q95 <<<"$(times "$quiet_path" "")"
  awk -v l="$label" -v g="$goal" -v b50="$b50" -v b95="$b95" -v q50="$q50" -v q95="$q95" 'BEGIN {
    goal = (g > 0) ? sprintf("  p95/goal(%d ms) %.2f", g, b95 / g) : ""
    printf "%-34s p50 %7.2f ms  p95 %7.2f ms  | no comments p50 %6.2f p95 %6.2f ms  ratio p50 %5.2f p95 %5.2f%s\n",
      l, b50, b95, q50, q95, b50 / q50, b95 / q95, goal }'
}

# Every page of the busy list, following `next`: pages and bytes, as the asset page loads them.
walk() {
  local cursor="" pages=0 bytes=0 q
  while :; do
    q="limit=500"; [ -n "$cursor" ] && q="$q&cursor=$cursor"
    curl -fsS -b "$jar" -o "$work/page" "http://127.0.0.1:$port/api/assets/$busy/comments?$q"
    pages=$((pages + 1)); bytes=$((bytes + $(wc -c <"$work/page")))
    cursor="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["next"] or "")' "$work/page")"
    [ -z "$cursor" ] && break
  done
  echo "the whole busy list at limit=500: $pages pages, $bytes bytes"
}

echo "review of one version with 2,000 comments, $REQUESTS requests each (server time, Server-Timing total):"
measure "asset page" 50 "/assets/$busy" "/assets/$quiet" "data-asset-id"
measure "GET comments (first page, 200)" 20 "/api/assets/$busy/comments" "/api/assets/$quiet/comments" '"comments"'
measure "GET comments (limit=500)" 20 "/api/assets/$busy/comments?limit=500" "/api/assets/$quiet/comments?limit=500" '"next"'
measure "export EDL" 0 "/api/assets/$busy/comments/export?format=edl" "/api/assets/$quiet/comments/export?format=edl" "TITLE"
measure "export FCPXML" 0 "/api/assets/$busy/comments/export?format=fcpxml" "/api/assets/$quiet/comments/export?format=fcpxml" "fcpxml"
measure "export CSV" 0 "/api/assets/$busy/comments/export?format=csv" "/api/assets/$quiet/comments/export?format=csv" "timecode"
walk

#!/usr/bin/env bash
# Long-master benchmark: a generated 1080p30 master (10 minutes by default) through the real
# queue (api role, worker processes, PostgreSQL, Redis), in one run:
#   - the whole ladder by one worker pinned to one core (`taskset -c 0`), in one pass;
#   - the same master in chunks (MM_CHUNK_SECONDS) by two workers, each pinned to its own
#     core (`taskset -c 0` and `-c 1`);
#   then the speed-up (one pass wall / chunked wall, goal >= 1.8) and the total CPU time of
#   the workers and their ffmpegs, chunked / one pass (goal <= 1.1).
# Wall time is from the moment a worker starts the preview job to its end; CPU time is
# user+system of the worker processes and their children (ffmpeg), promotion included.
# Prints figures and ratios only. Each measurement is a function (`ladder_spread` below), so
# further ones (first playable, ...) add a function and a line in `main`.
# Env: MM_BIN (default: release build made here), BENCH_LONG_SECONDS (default 600),
# BENCH_CHUNK_SECONDS (default 120, MM_CHUNK_SECONDS of the chunked run), MM_X264_PRESET and
# MM_PREVIEW_LADDER as for the worker, TEST_DATABASE_URL / TEST_REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

seconds="${BENCH_LONG_SECONDS:-600}"
chunk_seconds="${BENCH_CHUNK_SECONDS:-120}"
worker_pids=()

now() { date +%s.%N; }
calc() { python3 -c "import sys; print(f'{eval(sys.argv[1]):.${2:-2}f}')" "$1"; }
sql() { psql -X -q -t -A -d "$db_url" -c "$1"; }
json_get() {
  python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$@"
}
api() { # METHOD PATH [JSON]
  local args=(-fsS -X "$1" -H "authorization: Bearer $token" -H 'content-type: application/json')
  if [ $# -ge 3 ]; then args+=(--data "$3"); fi
  curl "${args[@]}" "http://127.0.0.1:$port$2"
}

# make_master: a 1080p30 master with stereo audio, $seconds long, in $work/master.mp4.
make_master() {
  echo "generating a ${seconds} s 1080p30 master with stereo audio"
  ffmpeg -hide_banner -nostdin -loglevel error -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=${seconds}" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=${seconds}" \
    -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 192k -ac 2 \
    "$work/master.mp4"
}

# upload_master: uploads $work/master.mp4 in one PUT; sets asset_id and version_id. Its
# preview job waits in the queue until a worker starts.
upload_master() {
  local size up id done
  size="$(stat -c %s "$work/master.mp4")"
  up="$(api POST /api/uploads "{\"filename\": \"long.mp4\", \"size\": $size, \"content_type\": \"video/mp4\"}")"
  id="$(echo "$up" | json_get upload_id)"
  curl -fsS -X PUT -T "$work/master.mp4" -H "content-type: video/mp4" \
    -o /dev/null "$(echo "$up" | json_get url url)"
  done="$(api POST "/api/uploads/$id/complete" '{}')"
  asset_id="$(echo "$done" | json_get asset_id)"
  version_id="$(echo "$done" | json_get version_id)"
}

# start_worker CPU NAME [ENV...]: a worker pinned to CPU.
start_worker() {
  local cpu="$1" name="$2"
  shift 2
  local health
  health="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  env "$@" MM_WORKER_HEALTH_PORT="$health" taskset -c "$cpu" "$MM_BIN" serve --role=worker \
    >"$work/worker-$name.log" 2>&1 &
  worker_pids+=($!)
}

# cpu_seconds: user+system time of the running workers and their reaped children (ffmpeg).
cpu_seconds() {
  local ticks total=0 pid
  ticks="$(getconf CLK_TCK)"
  for pid in "${worker_pids[@]}"; do
    [ -r "/proc/$pid/stat" ] || { echo "worker $pid exited:" >&2; cat "$work"/worker-*.log >&2; exit 1; }
    total=$((total + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat")))
  done
  calc "$total / $ticks"
}

stop_workers() {
  local pid
  for pid in "${worker_pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  worker_pids=()
}

# wait_job ID: until the job has finished; fails unless it succeeded.
wait_job() {
  local state
  while :; do
    state="$(sql "select state from jobs where id = '$1'")"
    case "$state" in
      succeeded) return 0 ;;
      failed | dead | cancelled)
        echo "the preview job ended $state: $(sql "select error from jobs where id = '$1'")" >&2
        cat "$work"/worker-*.log >&2
        exit 1 ;;
    esac
    sleep 0.5
  done
}

# preview_job_running: the id of the version's newest preview job once a worker runs it.
preview_job_running() {
  local row
  while :; do
    row="$(sql "select id || ' ' || state from jobs where kind = 'preview' and version_id = '$version_id' order by created_at desc limit 1")"
    case "$row" in *" queued" | "") sleep 0.2 ;; *) echo "${row% *}"; return 0 ;; esac
  done
}

# run_preview CHUNK_SECONDS CPU...: one worker per CPU on the version's preview job (the
# upload's, after its promotion, or a reprocess once it is ready); prints "wall cpu", wall
# from the moment a worker starts the job.
run_preview() {
  local chunks="$1" t0 t1 cpu job i=0
  shift
  if [ "$(sql "select status from asset_versions where id = '$version_id'")" = ready ]; then
    api POST "/api/assets/$asset_id/reprocess" >/dev/null
  fi
  for c in "$@"; do
    start_worker "$c" "$chunks-$i" MM_CHUNK_SECONDS="$chunks" MM_WORK_DIR="$work"
    i=$((i + 1))
  done
  job="$(preview_job_running)"
  t0="$(now)"
  wait_job "$job"
  t1="$(now)"
  cpu="$(cpu_seconds)"
  stop_workers
  echo "$(calc "$t1 - $t0") $cpu"
}

# ladder_spread: one worker on one core in one pass, against two workers on two cores in chunks.
ladder_spread() {
  local one two
  # Longer than the master: one pass.
  one="$(run_preview "$(((seconds / 4 + 1) * 4))" 0)"
  echo "one worker, core 0, one pass:        wall ${one% *} s, cpu ${one#* } s"
  two="$(run_preview "$chunk_seconds" 0 1)"
  echo "two workers, cores 0 and 1, chunked: wall ${two% *} s, cpu ${two#* } s"
  echo "chunks: $(sql "select count(*) from jobs where kind = 'preview_chunk' and version_id = '$version_id'") of ${chunk_seconds} s"
  echo "speed-up (one pass wall / chunked wall, goal >= 1.8): $(calc "${one% *} / ${two% *}" 3)"
  echo "CPU chunked / one pass (goal <= 1.1):                 $(calc "${two#* } / ${one#* }" 3)"
}

main() {
  export MM_MULTIPART_THRESHOLD=5GiB MM_HLS_SEGMENT_SECONDS=4
  bench_setup long
  trap 'stop_workers; cleanup' EXIT
  token="$("$MM_BIN" token create --user bench@example.com --name bench \
    --scopes uploads:create,assets:write --ttl 2h 2>/dev/null)"
  bench_serve
  make_master
  upload_master
  echo "master: ${seconds} s 1080p30, $(($(stat -c %s "$work/master.mp4") / 1048576)) MiB"
  ladder_spread
}

main "$@"

#!/usr/bin/env bash
# Upload throughput: a 2 GiB file through the local storage backend in 4 parallel parts (the
# API's multipart flow, with curl as the browser), as a ratio of the same disk's raw
# sequential write (dd with fsync) measured in the same run; and mm's peak RSS meanwhile.
# Goals: ratio 0.8 or better, peak RSS under 150 MB.
#
# Uses MM_BIN (the release binary `make bench` builds), TEST_DATABASE_URL and TEST_REDIS_URL;
# makes its own database, Redis prefix and data directory, and removes them at the end.
# MM_BENCH_DIR picks the disk measured (default $TMPDIR or /tmp).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

MM_BIN="${MM_BIN:-target/release/mm}"
ADMIN_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS_URL_BENCH="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
PART_MIB=512
PARTS=4
SIZE=$((PART_MIB * PARTS * 1024 * 1024))

say() { printf 'upload: %s\n' "$*"; }
die() { printf 'upload: error: %s\n' "$*" >&2; exit 1; }
[ -x "$MM_BIN" ] || die "$MM_BIN is not built; run make bench (it builds the release binary)"
for tool in curl psql python3 redis-cli dd; do
  command -v "$tool" >/dev/null || die "$tool is needed"
done

work="$(mktemp -d "${MM_BENCH_DIR:-${TMPDIR:-/tmp}}/mm-bench-upload.XXXXXX")"
db="mm_bench_upload_$(date +%s)_$$"
prefix="mmbench:${db}:"
db_url="${ADMIN_URL%/*}/${db}"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:${port}"
server=""

cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  psql -X -q -w "$ADMIN_URL" -c "DROP DATABASE IF EXISTS ${db} WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -u "$REDIS_URL_BENCH" --scan --pattern "${prefix}*" 2>/dev/null \
    | xargs -r redis-cli -u "$REDIS_URL_BENCH" del >/dev/null 2>&1 || true
  rm -rf -- "$work"
}
trap cleanup EXIT

now() { date +%s.%N; }
# mib_per_s BYTES SECONDS
mib_per_s() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 1048576 / float(sys.argv[2]):.0f}')" "$1" "$2"; }
# json_get KEY... : prints stdin's JSON value at that path (numbers index arrays).
json_get() {
  python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$@"
}

export DATABASE_URL="$db_url" REDIS_URL="$REDIS_URL_BENCH" MM_REDIS_PREFIX="$prefix" \
  MM_DATA_DIR="$work/data" PORT="$port" MM_BIND=127.0.0.1 MM_PUBLIC_URL="$base" \
  MM_LOG_FORMAT=json RUST_LOG=warn MM_UPLOAD_PART_SIZE="${PART_MIB}MiB" \
  MM_SECRET_KEY="$("$MM_BIN" keygen --secret)" MM_EDGE_KEYS="$("$MM_BIN" keygen)"
unset MM_STORAGE
psql -X -q -w "$ADMIN_URL" -c "CREATE DATABASE ${db}" >/dev/null
"$MM_BIN" migrate >/dev/null
MM_PASSWORD="bench-password-$(date +%s%N)" "$MM_BIN" user create --email bench@mm.test --role manager >/dev/null
token="$("$MM_BIN" token create --user bench@mm.test --name bench --scopes uploads:create --ttl 1h 2>/dev/null)"
mkdir -p "$work/data" "$work/parts"

"$MM_BIN" serve --role=api >"$work/mm.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$base/api/health" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/mm.log" >&2; die "mm did not start"; }
  sleep 0.1
done

# The baseline: the same disk's sequential write, durable at the end, like an upload's parts.
sync
start="$(now)"
dd if=/dev/zero of="$work/dd.bin" bs=8M count=256 conv=fsync status=none
dd_secs="$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$(now)")"
rm -f "$work/dd.bin"
dd_rate="$(mib_per_s $((8 * 1024 * 1024 * 256)) "$dd_secs")"
say "dd bs=8M count=256 conv=fsync: ${dd_rate} MiB/s"

# The file, as the browser would slice it: four parts of ${PART_MIB} MiB of random bytes.
for i in $(seq 1 "$PARTS"); do
  head -c "$((PART_MIB * 1024 * 1024))" /dev/urandom >"$work/parts/$i"
done
sync

api() { # METHOD PATH [JSON]
  local args=(-fsS -X "$1" -H "authorization: Bearer $token" -H 'content-type: application/json')
  if [ $# -ge 3 ]; then args+=(--data "$3"); fi
  curl "${args[@]}" "$base$2"
}
upload="$(api POST /api/uploads "{\"filename\": \"bench.mov\", \"size\": $SIZE}")"
id="$(echo "$upload" | json_get upload_id)"
[ "$(echo "$upload" | json_get part_count)" = "$PARTS" ] || die "expected $PARTS parts: $upload"
numbers="$(seq -s, 1 "$PARTS")"
urls="$(api POST "/api/uploads/$id/parts" "{\"part_numbers\": [$numbers]}")"

start="$(now)"
pids=()
for i in $(seq 1 "$PARTS"); do
  url="$(echo "$urls" | json_get parts $((i - 1)) url)"
  curl -fsS -T "$work/parts/$i" -D "$work/parts/$i.headers" -o /dev/null "$url" &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || die "a part upload failed"; done
parts_done="$(now)"
list="$(python3 - "$work/parts" "$PARTS" <<'PY'
import json, sys
out = []
for i in range(1, int(sys.argv[2]) + 1):
    for line in open(f"{sys.argv[1]}/{i}.headers"):
        if line.lower().startswith("etag:"):
            out.append({"part_number": i, "etag": line.split(":", 1)[1].strip()})
print(json.dumps({"parts": out}))
PY
)"
api POST "/api/uploads/$id/complete" "$list" >/dev/null
completed="$(now)"
rss_kib="$(awk '/VmHWM/ {print $2}' "/proc/$server/status")"

parts_secs="$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$parts_done")"
total_secs="$(python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$completed")"
up_rate="$(mib_per_s "$SIZE" "$parts_secs")"
e2e_rate="$(mib_per_s "$SIZE" "$total_secs")"
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }
say "2 GiB in ${PARTS} parallel parts: ${up_rate} MiB/s; ratio to dd $(ratio "$up_rate" "$dd_rate") (goal 0.80)"
say "including complete (local storage concatenates the parts): ${e2e_rate} MiB/s; ratio to dd $(ratio "$e2e_rate" "$dd_rate")"
say "mm peak RSS (VmHWM): $((rss_kib / 1024)) MiB (goal < 150 MB)"

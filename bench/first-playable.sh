# First-playable measurement, shared by the bench scripts (sourced, not run). Needs a running
# mm with a worker (`serve --role=all`) at $base, an API token with uploads:create in $token,
# DATABASE_URL for psql, and $work for temporary files.
#
# first_playable FILE: uploads FILE through the multipart API (curl as the browser), waits for
# its preview job, and prints "<start-to-playable> <start-to-ready>" in seconds, where start is
# the moment the preview job was seen running (polled every 50 ms, so a figure is up to 0.05 s
# late) and playable is the version's playable_at, written by the worker when the first
# rendition (packaged source or first encoded segments) and its master playlist are published.
first_playable() {
  local file="$1" size id upload urls parts list vid job_state t_run t_play t_ready n
  size="$(stat -c %s "$file")"
  upload="$(fp_api POST /api/uploads "{\"filename\": \"$(basename "$file")\", \"size\": $size}")"
  id="$(echo "$upload" | fp_json upload_id)"
  parts="$(echo "$upload" | fp_json part_count)"
  local part_size; part_size="$(echo "$upload" | fp_json part_size)"
  rm -rf "$work/fp-parts" && mkdir -p "$work/fp-parts"
  split -b "$part_size" -d -a 4 "$file" "$work/fp-parts/p"
  urls="$(fp_api POST "/api/uploads/$id/parts" "{\"part_numbers\": [$(seq -s, 1 "$parts")]}")"
  n=0
  for f in "$work"/fp-parts/p*; do
    local url; url="$(echo "$urls" | fp_json parts "$n" url)"
    curl -fsS -T "$f" -D "$f.headers" -o /dev/null "$url"
    n=$((n + 1))
  done
  list="$(python3 - "$work/fp-parts" <<'PY'
import glob, json, sys
out = []
for i, h in enumerate(sorted(glob.glob(sys.argv[1] + "/p*.headers")), 1):
    for line in open(h):
        if line.lower().startswith("etag:"):
            out.append({"part_number": i, "etag": line.split(":", 1)[1].strip()})
print(json.dumps({"parts": out}))
PY
)"
  vid="$(fp_api POST "/api/uploads/$id/complete" "$list" | fp_json version_id)"
  t_run=""; t_play=""; t_ready=""
  for _ in $(seq 1 24000); do
    job_state="$(psql -X -q -t -A -d "$DATABASE_URL" -c \
      "select state from jobs where kind = 'preview' and version_id = '$vid' order by created_at desc limit 1")"
    if [ -z "$t_run" ] && { [ "$job_state" = running ] || [ "$job_state" = succeeded ]; }; then
      t_run="$(date +%s.%N)"
    fi
    if [ -n "$t_run" ] && [ -z "$t_play" ]; then
      t_play="$(psql -X -q -t -A -d "$DATABASE_URL" -c \
        "select extract(epoch from playable_at) from asset_versions where id = '$vid' and playable_at is not null")"
    fi
    if [ "$job_state" = succeeded ]; then t_ready="$(date +%s.%N)"; break; fi
    if [ "$job_state" = failed ] || [ "$job_state" = dead ]; then
      echo "first_playable: the preview job of $file failed" >&2; return 1
    fi
    sleep 0.05
  done
  [ -n "$t_play" ] || { echo "first_playable: $file never became playable early" >&2; return 1; }
  python3 -c "import sys; r, p, d = map(float, sys.argv[1:]); print(f'{max(p - r, 0):.2f} {d - r:.2f}')" \
    "$t_run" "$t_play" "$t_ready"
}

fp_api() { # METHOD PATH [JSON]
  local args=(-fsS -X "$1" -H "authorization: Bearer $token" -H 'content-type: application/json')
  if [ $# -ge 3 ]; then args+=(--data "$3"); fi
  curl "${args[@]}" "$base$2"
}

fp_json() { # KEY... : stdin's JSON value at that path (numbers index arrays)
  python3 -c 'import json, sys
d = json.load(sys.stdin)
for k in sys.argv[1:]:
    d = d[int(k)] if isinstance(d, list) else d[k]
print(d)' "$@"
}

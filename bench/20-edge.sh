#!/usr/bin/env bash
# Edge delivery against nginx, in the same run on loopback: a 1 MiB segment and a ~5 KiB
# playlist through the signed edge (`mm serve --role=edge`, local storage) and through nginx
# serving the same directory statically (sendfile, no checks). Prints requests per second and
# the ratios (goals: segments >= 0.9, playlists >= 0.7), then the token verification
# micro-benchmark (goal: well under 2 us). Everything it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${BENCH_DURATION:-5s}"
# Rounds alternate edge and nginx back to back, so a neighbour's load hits both alike; the
# ratio reported is the median of the rounds' ratios.
ROUNDS="${BENCH_ROUNDS:-3}"
THREADS="${BENCH_THREADS:-2}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
if [ -z "${MM_BIN:-}" ]; then
  cargo build --release
  MM_BIN="$CARGO_TARGET_DIR/release/mm"
fi
for tool in wrk nginx curl python3; do
  command -v "$tool" >/dev/null || { echo "bench/20-edge.sh needs $tool (scripts/deps.sh installs it)"; exit 1; }
done

tmp="$(mktemp -d)"
# nginx workers run as an unprivileged user when started as root: they must reach the files.
chmod 755 "$tmp"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf -- "$tmp"
}
trap cleanup EXIT INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() {
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "nothing answered at $1"; exit 1
}

# The same files for both: the local backend keeps bucket `previews` in $MM_DATA_DIR/previews
# and an object's key is its path below that directory.
data="$tmp/data"
dir="$data/previews/previews/bench/v1"
mkdir -p "$dir/720p"
head -c 1048576 /dev/urandom > "$dir/720p/seg_000.m4s"
{
  printf '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n'
  printf '#EXT-X-MAP:URI="init.mp4"\n'
  for i in $(seq 0 159); do printf '#EXTINF:4.000000,\nseg_%03d.m4s\n' "$i"; done
  printf '#EXT-X-ENDLIST\n'
} > "$dir/720p/index.m3u8"

edge_port="$(free_port)"
nginx_port="$(free_port)"
key="$("$MM_BIN" keygen --kid bench)"
edge_env=(env -i "PATH=$PATH" "HOME=${HOME:-/tmp}" MM_STORAGE=local "MM_DATA_DIR=$data"
  "MM_EDGE_KEYS=$key" "PORT=$edge_port" MM_BIND=127.0.0.1
  "MM_EDGE_PUBLIC_BASE=http://127.0.0.1:$edge_port" MM_LOG_FORMAT=json RUST_LOG=warn)
"${edge_env[@]}" "$MM_BIN" serve --role=edge > "$tmp/edge.log" 2>&1 &
pids+=($!)

mkdir -p "$tmp/nginx"
cat > "$tmp/nginx/nginx.conf" <<NGINX
daemon off;
worker_processes 2;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  types { application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; }
  default_type application/octet-stream;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $data/previews;
  }
}
NGINX
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
pids+=($!)

wait_http "http://127.0.0.1:$edge_port/health"
wait_http "http://127.0.0.1:$nginx_port/previews/bench/v1/720p/index.m3u8"

# A signed URL as the api issues it, for the rendition's directory.
playlist_url="$("${edge_env[@]}" "$MM_BIN" sign previews/bench/v1/720p/index.m3u8 --ttl 1h)"
segment_url="${playlist_url%index.m3u8}seg_000.m4s"
nginx_base="http://127.0.0.1:$nginx_port/previews/bench/v1/720p"
for url in "$segment_url" "$nginx_base/seg_000.m4s"; do
  size="$(curl -fsS -o /dev/null -w '%{size_download}' "$url")"
  [ "$size" = 1048576 ] || { echo "expected 1048576 bytes from $url, got $size"; exit 1; }
done

rps() {
  wrk -t"$THREADS" -c"$CONNECTIONS" -d1s "$1" > /dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$1" > "$tmp/wrk.out"
  if grep -q 'Non-2xx' "$tmp/wrk.out"; then cat "$tmp/wrk.out"; echo "errors from $1"; exit 1; fi
  awk '/Requests\/sec/ { print $2 }' "$tmp/wrk.out"
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION on loopback, $(nproc) cores, $ROUNDS rounds"
: > "$tmp/results"
for round in $(seq 1 "$ROUNDS"); do
  for what in segment playlist; do
    if [ "$what" = segment ]; then e="$segment_url" n="$nginx_base/seg_000.m4s"
    else e="$playlist_url" n="$nginx_base/index.m3u8"; fi
    edge="$(rps "$e")"
    nginx="$(rps "$n")"
    echo "$what $edge $nginx" >> "$tmp/results"
    awk -v r="$round" -v w="$what" -v e="$edge" -v n="$nginx" \
      'BEGIN { printf "  round %d %-8s edge %9.0f req/s  nginx %9.0f req/s  ratio %.2f\n", r, w, e, n, e / n }'
  done
done

report() {
  awk -v what="$1" -v label="$2" -v goal="$3" '
    $1 == what { e[++k] = $2; n[k] = $3; r[k] = $2 / $3 }
    function median(a, len,   i, j, t) {
      for (i = 1; i <= len; i++) for (j = i + 1; j <= len; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return (len % 2) ? a[(len + 1) / 2] : (a[len / 2] + a[len / 2 + 1]) / 2
    }
    END {
      m = median(r, k); me = median(e, k); mn = median(n, k)
      printf "%-16s edge %9.0f req/s  nginx %9.0f req/s  ratio %.2f (goal >= %.1f: %s)\n",
        label, me, mn, m, goal, (m >= goal ? "met" : "NOT met")
    }' "$tmp/results"
}
echo "medians:"
report segment "segment 1 MiB" 0.9
report playlist "playlist 5 KiB" 0.7

echo "token verification (goal: well under 2000 ns):"
cargo run --quiet --release --example verify_bench

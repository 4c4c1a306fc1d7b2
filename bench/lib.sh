# Shared by the bench scripts that drive the api role (sourced, not run): a fresh database and
# Redis prefix, a migrated schema with an admin who signs in, and clean-up on exit.

# bench_setup NAME: sets id, db, db_url, work, port, MM_BIN and the mm environment; creates and
# migrates the database and the admin bench@example.com; removes it all on exit.
bench_setup() {
  ADMIN_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
  REDIS="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
  MM_BIN="${MM_BIN:-${CARGO_TARGET_DIR:-target}/release/mm}"
  if [ ! -x "$MM_BIN" ]; then
    echo "building the release binary"
    cargo build --release --quiet
    MM_BIN="${CARGO_TARGET_DIR:-target}/release/mm"
  fi

  id="$(head -c6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  db="mm_bench_${1}_${id}"
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
}

# bench_serve: starts `mm serve --role=api` and signs the admin in; the session is in $jar.
bench_serve() {
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
}

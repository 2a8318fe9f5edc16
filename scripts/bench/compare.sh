#!/usr/bin/env bash
# Two builds side by side in one run, so a noisy machine affects both alike: the resident's
# form page (`GET /d/{qr_token}`, 64 connections) and JSON submissions (64 connections, rate
# limits off), each on its own SQLite data directory with the demo district, taking turns
# ROUNDS times; then the criterion pieces of each build's `intake` bench, if given.
# Beside them, the ceilings of the same run: nginx serving the form page's bytes, and SQLite's raw
# durable commit rate (needs nginx and sqlite3). 127.0.0.1 only; bounded in time.
#
# Usage: BEFORE=path/to/liaison AFTER=path/to/liaison \
#        [BEFORE_BENCH=path/to/intake-bench AFTER_BENCH=…] scripts/bench/compare.sh [seconds] [rounds]
# A bench executable is target/release/deps/intake-<hash> (`cargo bench --bench intake --no-run`).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN="${1:-10}"
ROUNDS="${2:-3}"
: "${BEFORE:?set BEFORE to the first binary}" "${AFTER:?set AFTER to the second binary}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }

PIDS=()
DIRS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "${DIRS[@]}"' EXIT

start() { # name binary port → prints the QR token
  local dir; dir=$(mktemp -d); DIRS+=("$dir")
  LIAISON_DATA_DIR="$dir" LIAISON_BIND="127.0.0.1:$3" RUST_LOG=warn LIAISON_RUN_JOBS=false \
    LIAISON_SUBMIT_RATE_PER_MINUTE=0 LIAISON_SUBMIT_RATE_PER_CODE_PER_MINUTE=0 "$2" demo >/dev/null
  LIAISON_DATA_DIR="$dir" LIAISON_BIND="127.0.0.1:$3" RUST_LOG=warn LIAISON_RUN_JOBS=false \
    LIAISON_SUBMIT_RATE_PER_MINUTE=0 LIAISON_SUBMIT_RATE_PER_CODE_PER_MINUTE=0 "$2" serve >"$dir/server.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$3/healthz" >/dev/null && break; sleep 0.2; done
  local token
  token=$(curl -sf -XPOST "http://127.0.0.1:$3/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"liaison-demo-2026"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  curl -sf "http://127.0.0.1:$3/api/v1/deputies?per_page=1" -H "Authorization: Bearer $token" \
    | sed 's/.*"qr_token":"\([^"]*\)".*/\1/'
}

BEFORE_QR=$(start before "$BEFORE" 18101)
AFTER_QR=$(start after "$AFTER" 18102)

# Ceilings measured in the same run: nginx serving the same bytes as the form page, and the
# engine's raw durable commit rate (SQLite, WAL, synchronous=FULL, one row a transaction).
CEILING_DIR=$(mktemp -d); DIRS+=("$CEILING_DIR")
if command -v nginx >/dev/null; then
  mkdir -p "$CEILING_DIR/www/d" "$CEILING_DIR/logs"
  curl -sf "http://127.0.0.1:18102/d/$AFTER_QR" -o "$CEILING_DIR/www/d/form.html"
  cat >"$CEILING_DIR/nginx.conf" <<CONF
worker_processes 2;
pid $CEILING_DIR/nginx.pid;
error_log $CEILING_DIR/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:18103;
    root $CEILING_DIR/www;
    location = /form { default_type "text/html; charset=utf-8"; try_files /d/form.html =404; }
  }
}
CONF
  nginx -p "$CEILING_DIR" -c "$CEILING_DIR/nginx.conf" -g 'daemon off;' &
  PIDS+=($!)
  sleep 0.5
fi
commit_rate() { # → durable single-row commits per second, 2,000 of them
  local db="$CEILING_DIR/commits.db" sql="$CEILING_DIR/commits.sql"
  rm -f "$db"*
  { echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT);"
    for i in $(seq 2000); do echo "INSERT INTO t(body) VALUES ('a resident matter of some length $i');"; done; } >"$sql"
  local start end
  start=$(date +%s.%N); sqlite3 "$db" <"$sql" >/dev/null; end=$(date +%s.%N)
  echo "2000 / ($end - $start)" | bc -l | xargs printf '%.0f'
}

rate() { # url [script] → requests/s
  local out
  if [ -n "${2:-}" ]; then
    out=$(QR_TOKEN="$3" wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" -s "$2" "$1")
  else
    out=$(wrk -t2 -c64 -d"${SECONDS_PER_RUN}s" "$1")
  fi
  echo "$out" | awk '/Requests\/sec/ {print $2}'
}

echo "round,build,form_page_rps,json_submissions_rps"
echo "(ceilings: nginx_same_bytes_rps, sqlite_durable_commits_per_s)"
for round in $(seq "$ROUNDS"); do
  for build in before after; do
    if [ "$build" = before ]; then port=18101; qr=$BEFORE_QR; else port=18102; qr=$AFTER_QR; fi
    page=$(rate "http://127.0.0.1:$port/d/$qr")
    submit=$(rate "http://127.0.0.1:$port" scripts/load/submit.lua "$qr")
    echo "$round,$build,$page,$submit"
  done
  if command -v nginx >/dev/null; then
    echo "$round,ceiling,$(rate "http://127.0.0.1:18103/form"),$(commit_rate)"
  fi
done

for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
if [ -n "${BEFORE_BENCH:-}" ] && [ -n "${AFTER_BENCH:-}" ]; then
  for build in before after; do
    bench=$BEFORE_BENCH; [ "$build" = after ] && bench=$AFTER_BENCH
    echo "== criterion, $build"
    "$bench" --bench --warm-up-time 1 --measurement-time 3 'form render|parse submission|qr png' 2>/dev/null \
      | grep -E '^(form|parse|qr)|time:' || true
  done
fi

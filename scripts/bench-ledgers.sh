#!/usr/bin/env bash
# Exports the case ledger of 100,000 cases as CSV, XLSX and JSON from a release build on a
# fresh SQLite demo district, timing each download and reading the server's peak RSS (VmHWM).
# Usage: scripts/bench-ledgers.sh [cases]   (CARGO_TARGET_DIR is honoured)
set -euo pipefail
CASES=${1:-100000}
TARGET=${CARGO_TARGET_DIR:-target}
BIN="$TARGET/release/liaison"
[ -x "$BIN" ] || cargo build --release
export LIAISON_DATA_DIR=$(mktemp -d)
export LIAISON_BIND=127.0.0.1:18091
export LIAISON_RUN_JOBS=false
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$LIAISON_DATA_DIR"' EXIT
"$BIN" demo > /dev/null
"$BIN" seed-cases --cases "$CASES"
"$BIN" serve > "$LIAISON_DATA_DIR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18091/healthz > /dev/null && break; sleep 0.2; done
hwm() { awk '/VmHWM|VmRSS|RssAnon|RssFile/ {printf "%s %.0f MiB  ", $1, $2/1024} END {print ""}' "/proc/$SERVER/status"; }
echo "server $SERVER, peak RSS after start: $(hwm)"
TOKEN=$(curl -sf http://127.0.0.1:18091/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"username":"admin","password":"liaison-demo-2026"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
FROM=$(date -u -d '-3 years' +%Y-%m-%d)
TO=$(date -u -d '+1 day' +%Y-%m-%d)
for format in csv xlsx json; do
  OUT="$LIAISON_DATA_DIR/ledger.$format"
  curl -sf -o "$OUT" -H "Authorization: Bearer $TOKEN" \
    -w "$format: %{http_code} %{size_download} bytes in %{time_total} s (first byte %{time_starttransfer} s)\n" \
    "http://127.0.0.1:18091/api/v1/ledgers/case-ledger?from=$FROM&to=$TO&format=$format"
  [ "$format" = csv ] && echo "  rows: $(($(wc -l < "$OUT") - 1))"
  echo "  peak RSS so far: $(hwm)"
done

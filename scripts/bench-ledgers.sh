#!/usr/bin/env bash
# Exports the case ledger of 100,000 cases as CSV, XLSX and JSON (and the derived performance
# ledger as XLSX) from a release build on a fresh demo district, timing each download and
# reading the server's peak RSS (VmHWM).
# Usage: scripts/bench-ledgers.sh [cases]            SQLite in a temporary data directory
#        PG=1 scripts/bench-ledgers.sh [cases]       a fresh database on 127.0.0.1:5432 (dropped after)
# CARGO_TARGET_DIR is honoured.
set -euo pipefail
CASES=${1:-100000}
TARGET=${CARGO_TARGET_DIR:-target}
BIN="$TARGET/release/liaison"
[ -x "$BIN" ] || cargo build --release
export LIAISON_DATA_DIR=$(mktemp -d)
export LIAISON_BIND=127.0.0.1:18091
export LIAISON_RUN_JOBS=false
PG_DB=""
if [ "${PG:-}" = 1 ]; then
  PG_DB="bench_ledgers_$$"
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $PG_DB" postgres
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$PG_DB"
fi
cleanup() {
  kill "${SERVER:-}" 2>/dev/null || true
  sleep 0.5
  rm -rf "$LIAISON_DATA_DIR"
  [ -n "$PG_DB" ] && psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $PG_DB" postgres || true
}
trap cleanup EXIT
"$BIN" demo > /dev/null
"$BIN" seed-cases --cases "$CASES" 2>&1 | grep -v "slow statement" | tail -2
"$BIN" serve > "$LIAISON_DATA_DIR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do curl -sf http://127.0.0.1:18091/healthz > /dev/null && break; sleep 0.2; done
hwm() { awk '/VmHWM|VmRSS|RssAnon|RssFile/ {printf "%s %.0f MiB  ", $1, $2/1024} END {print ""}' "/proc/$SERVER/status"; }
echo "database: ${DATABASE_URL:-SQLite}; server $SERVER, peak RSS after start: $(hwm)"
TOKEN=$(curl -sf http://127.0.0.1:18091/api/v1/auth/login -H 'content-type: application/json' \
  -d '{"username":"admin","password":"liaison-demo-2026"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
FROM=$(date -u -d '-3 years' +%Y-%m-%d)
TO=$(date -u -d '+1 day' +%Y-%m-%d)
for export in case-ledger:csv case-ledger:xlsx case-ledger:json performance:xlsx; do
  ledger=${export%%:*}
  format=${export##*:}
  OUT="$LIAISON_DATA_DIR/$ledger.$format"
  curl -sf -o "$OUT" -H "Authorization: Bearer $TOKEN" \
    -w "$ledger $format: %{http_code} %{size_download} bytes in %{time_total} s (first byte %{time_starttransfer} s)\n" \
    "http://127.0.0.1:18091/api/v1/ledgers/$ledger?from=$FROM&to=$TO&format=$format"
  [ "$format" = csv ] && echo "  rows: $(($(wc -l < "$OUT") - 1))"
  echo "  peak RSS so far: $(hwm)"
done

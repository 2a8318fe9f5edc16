#!/usr/bin/env bash
# Statistics over many cases: seeds a demo district with N generated cases (default 1,000,000,
# received over the past two years), then times GET /api/v1/stats for a station-year and
# district-wide, totals and each grouping. Each line: the fastest and the median of RUNS
# sequential requests (curl, whole request). SQLite by default; PostgreSQL when DATABASE_URL is
# set (an empty database: it is filled). 127.0.0.1 only.
# Usage: scripts/bench/stats.sh [cases] [runs]
set -euo pipefail
cd "$(dirname "$0")/../.."
CASES="${1:-1000000}"
RUNS="${2:-5}"
PORT="${BENCH_PORT:-18096}"
DIR="${BENCH_DIR:-$(mktemp -d)}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT

# A given binary (BIN=…) is used as it is; otherwise the release build of this checkout.
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet
  BIN="$TARGET/release/liaison"
fi
export LIAISON_DATA_DIR="$DIR" LIAISON_BIND="127.0.0.1:$PORT" RUST_LOG=warn LIAISON_RUN_JOBS=false
if [ ! -f "$DIR/seeded-$CASES" ]; then
  "$BIN" demo >/dev/null
  /usr/bin/time -f "seeded in %e s" "$BIN" seed-cases --cases "$CASES"
  touch "$DIR/seeded-$CASES"
fi
"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

token() {
  curl -sf -XPOST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"liaison-demo-2026\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}
MANAGER=$(token manager)
DEPUTY=$(token deputy)
ADMIN=$(token admin)
STATION=$(curl -sf -H "Authorization: Bearer $MANAGER" "http://127.0.0.1:$PORT/api/v1/stations" |
  python3 -c 'import json,sys; print(min(s["id"] for s in json.load(sys.stdin)["items"]))')
YEAR="from=2025-12-01&to=2026-11-30"

measure() { # name token path
  local times=() received
  for _ in $(seq "$RUNS"); do
    times+=("$(curl -s -o "$DIR/body" -w '%{time_total}' -H "Authorization: Bearer $2" "http://127.0.0.1:$PORT$3")")
  done
  received=$(python3 -c 'import json,sys
try: print(json.load(open(sys.argv[1]))["totals"]["received"])
except Exception: print("-")' "$DIR/body")
  printf '%-46s min %6.0f ms  median %6.0f ms  received %s\n' "$1" \
    "$(printf '%s\n' "${times[@]}" | sort -n | head -1 | awk '{print $1*1000}')" \
    "$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]*1000}')" "$received"
}

echo "== $CASES cases, station $STATION (with its point and grid), $RUNS runs each"
measure "station-year, totals"            "$MANAGER" "/api/v1/stats?station_id=$STATION&$YEAR"
measure "station-year, by month"          "$MANAGER" "/api/v1/stats?station_id=$STATION&$YEAR&group_by=month"
measure "station-year, by deputy"         "$MANAGER" "/api/v1/stats?station_id=$STATION&$YEAR&group_by=deputy"
measure "station-year, by category"       "$MANAGER" "/api/v1/stats?station_id=$STATION&$YEAR&group_by=category"
measure "deputy's own year, totals"       "$DEPUTY"  "/api/v1/stats?$YEAR"
measure "district-year, totals"           "$ADMIN"   "/api/v1/stats?$YEAR"
measure "district-year, by station"       "$ADMIN"   "/api/v1/stats?$YEAR&group_by=station"
measure "district-year, by month"         "$ADMIN"   "/api/v1/stats?$YEAR&group_by=month"
measure "district-year, by unit"          "$ADMIN"   "/api/v1/stats?$YEAR&group_by=unit"
measure "district-year, by station, xlsx" "$ADMIN"   "/api/v1/stats?$YEAR&group_by=station&format=xlsx"
echo "data directory: $DIR"

#!/usr/bin/env bash
# Hot topics over many cases: seeds a demo district with N generated cases (default 200,000,
# received over the past two years: about 100,000 in the last year), then times
# GET /api/v1/stats/hot-topics for the last 365 days as the administrator (every station) and
# as the demo manager (one station with its point and grid), three times each.
# The seeded texts are generated (src/services/bench_seed.rs): sixteen kinds of matter, each said
# several ways, at hundreds of roads and estates; 40% of the cases are about one of 500 recurring
# matters (one kind at one place, a few raised hundreds of times), worded differently each time.
# SQLite by default; PostgreSQL when DATABASE_URL is set (an empty database). 127.0.0.1 only.
# Usage: scripts/bench/topics.sh [cases]
set -euo pipefail
cd "$(dirname "$0")/../.."
CASES="${1:-200000}"
PORT="${BENCH_PORT:-18096}"
DIR="${BENCH_DIR:-$(mktemp -d)}"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT

# A given binary (BIN=…) is used as it is; otherwise the release build of this checkout.
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin liaison
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/liaison"
fi
export LIAISON_DATA_DIR="$DIR" LIAISON_BIND="127.0.0.1:$PORT" RUST_LOG=warn LIAISON_RUN_JOBS=false
if [ ! -f "$DIR/seeded-$CASES" ]; then
  "$BIN" demo >/dev/null
  "$BIN" seed-cases --cases "$CASES"
  touch "$DIR/seeded-$CASES"
fi
"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

token() {
  curl -sf -XPOST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"liaison-demo-2026\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}
FROM=$(date -u -d '364 days ago' +%F)
TO=$(date -u +%F)
for who in admin manager; do
  TOKEN=$(token "$who")
  for run in 1 2 3; do
    curl -sf -o "$DIR/topics-$who.json" -w "$who run $run: %{time_total} s, " \
      -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/stats/hot-topics?from=$FROM&to=$TO"
    python3 -c "import json,sys; b=json.load(open(sys.argv[1])); print(b['cases_considered'], 'cases,', len(b['topics']), 'topics, largest', b['topics'][0]['count'] if b['topics'] else 0)" "$DIR/topics-$who.json"
  done
done
grep VmHWM "/proc/$SERVER/status"
echo "data directory: $DIR"

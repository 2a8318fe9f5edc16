#!/usr/bin/env bash
# Mixed load on 127.0.0.1 only, bounded in time: residents' form views and submissions (with a
# photo, and as JSON), tracking pages, the manager's queue and case actions at once
# (scripts/load/mixed.lua), against a release build over a demo district with SEED_CASES
# generated cases, background jobs on. Afterwards, with the server stopped, every acknowledged
# submission must be in the database, whole (its `submitted` event; a photo for the form's),
# and no response may have been a 5xx. SQLite by default; PostgreSQL when DATABASE_URL names
# an empty database.
# Usage: scripts/load/mixed.sh [seconds=300] [connections=64]   (needs wrk, curl, python3,
# and sqlite3 or psql: apt-get install wrk sqlite3)
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-300}"
CONNECTIONS="${2:-64}"
PORT="${LOAD_PORT:-18091}"
SEED_CASES="${SEED_CASES:-20000}"
DIR="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DIR"' EXIT
SERVER=""
# A given binary (BIN=…) is used as it is; otherwise the release build of this checkout.
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin liaison
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/liaison"
fi
export LIAISON_DATA_DIR="$DIR" LIAISON_BIND="127.0.0.1:$PORT" LIAISON_SUBMIT_RATE_PER_MINUTE=0 \
       LIAISON_SUBMIT_RATE_PER_CODE_PER_MINUTE=0 RUST_LOG=warn
"$BIN" demo >/dev/null
"$BIN" seed-cases --cases "$SEED_CASES" >/dev/null 2>&1
"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT"

token() {
  curl -sf -XPOST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"liaison-demo-2026\"}" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}
ADMIN=$(token admin)
MANAGER_TOKEN=$(token manager)
QR_TOKEN=$(curl -sf "$URL/api/v1/deputies?per_page=1" -H "Authorization: Bearer $ADMIN" \
  | sed 's/.*"qr_token":"\([^"]*\)".*/\1/')
CATEGORY_ID=$(curl -sf "$URL/api/v1/categories" -H "Authorization: Bearer $ADMIN" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
SEED_CODE=$(curl -sf -XPOST "$URL/api/v1/public/submissions" -H 'content-type: application/json' \
  -d "{\"qr_token\":\"$QR_TOKEN\",\"category_id\":$CATEGORY_ID,\"content\":\"负载测试开始前的一件。\",\"consent\":true}" \
  | sed 's/.*"tracking_code":"\([^"]*\)".*/\1/')
# A small real photo (64×64 PNG) for the form's submissions.
python3 - "$DIR/photo.png" <<'PY'
import struct, sys, zlib
w = h = 64
rows = b"".join(b"\x00" + bytes(v for x in range(w) for v in (x * 4 % 256, y * 4 % 256, 128)) for y in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
      chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
export QR_TOKEN CATEGORY_ID MANAGER_TOKEN SEED_CODE LOAD_DIR="$DIR" MAX_CASE_ID="$SEED_CASES"

ENGINE="SQLite"
[ -n "${DATABASE_URL:-}" ] && ENGINE="PostgreSQL"
echo "== mixed load: $CONNECTIONS connections, ${DURATION}s, $ENGINE, $SEED_CASES seeded cases"
OUT=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s scripts/load/mixed.lua "$URL")
echo "$OUT"
# Stop the server first: a request still in flight when wrk stopped may land after it counted.
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
SERVER=""

FIVE=$(echo "$OUT" | sed -n 's/^responses .*5xx=\([0-9]*\).*/\1/p')
cat "$DIR"/codes-*.txt | sort -u >"$DIR/acknowledged.txt"
ACKED=$(wc -l <"$DIR/acknowledged.txt")
# (code, kind) → the database: is the case there, with its submitted event, and (form) a photo?
python3 - "$DIR/acknowledged.txt" >"$DIR/check.sql" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
print("CREATE TEMPORARY TABLE acked (code TEXT, kind TEXT);")
for i in range(0, len(rows), 500):
    print("INSERT INTO acked VALUES " + ",".join(f"('{c}','{k}')" for c, k in rows[i:i + 500]) + ";")
print("""SELECT
  (SELECT COUNT(*) FROM acked a WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.tracking_code = a.code)),
  (SELECT COUNT(*) FROM acked a JOIN cases c ON c.tracking_code = a.code
     WHERE NOT EXISTS (SELECT 1 FROM case_event e WHERE e.case_id = c.id AND e.action = 'submitted')),
  (SELECT COUNT(*) FROM acked a JOIN cases c ON c.tracking_code = a.code
     WHERE a.kind = 'form' AND NOT EXISTS (SELECT 1 FROM case_photo p WHERE p.case_id = c.id));""")
PY
if [ -n "${DATABASE_URL:-}" ]; then
  RESULT=$(psql -qtA -F' ' "$DATABASE_URL" -f "$DIR/check.sql" | tail -1)
else
  RESULT=$(sqlite3 -separator ' ' "$DIR/liaison.db" <"$DIR/check.sql" | tail -1)
fi
read -r MISSING NO_EVENT NO_PHOTO <<<"$RESULT"
echo "acknowledged submissions: $ACKED · missing: $MISSING · without their event: $NO_EVENT · form cases without their photo: $NO_PHOTO · 5xx: $FIVE"
if [ "$FIVE" != 0 ] || [ "$MISSING" != 0 ] || [ "$NO_EVENT" != 0 ] || [ "$NO_PHOTO" != 0 ]; then
  echo "FAILED: a 5xx answer, or an acknowledged submission missing or incomplete"
  grep -iE "error|panic" "$DIR/server.log" | head -20 || true
  exit 1
fi
echo "OK"

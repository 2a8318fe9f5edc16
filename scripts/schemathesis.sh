#!/usr/bin/env bash
# Property-based run of schemathesis against /api/v1/openapi.json, on 127.0.0.1 only and
# bounded in time: a fresh demo district on SQLite, signed in as its administrator, every
# operation generated from the document. Fails on any 5xx and on any response the document
# does not describe (status code, content type, body schema, headers).
#
# The request-side checks are not enforced: positive_data_acceptance (ST202) fails whenever our
# rules are stricter than a JSON schema can say (exactly one of qr_token/station_token; a date
# that must exist; `2.0` for an integer, which JSON Schema allows and serde refuses), and
# negative_data_rejection (ST201) whenever we are more forgiving (an out-of-range per_page is
# clamped, not refused). Neither is a wrong answer to a client.
#
# Usage: scripts/schemathesis.sh [max-seconds=100] [max-examples=15]
# Needs python3 and schemathesis 4 (`pip install schemathesis`), curl.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX_TIME="${1:-100}"
MAX_EXAMPLES="${2:-15}"
PORT="${SCHEMATHESIS_PORT:-18093}"
DIR="$(mktemp -d)"
SERVER=""
trap 'if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi; rm -rf "$DIR"' EXIT

command -v st >/dev/null 2>&1 || { echo "schemathesis is missing: pip install schemathesis" >&2; exit 1; }
# The debug binary CI has built already, else build it.
BIN="${BIN:-${CARGO_TARGET_DIR:-$PWD/target}/debug/liaison}"
if [ ! -x "$BIN" ]; then
  cargo build --quiet --bin liaison
fi

# Rate limits off: schemathesis submits and signs in far faster than any resident.
export LIAISON_DATA_DIR="$DIR" LIAISON_BIND="127.0.0.1:$PORT" LIAISON_SUBMIT_RATE_PER_MINUTE=0 \
       LIAISON_SUBMIT_RATE_PER_CODE_PER_MINUTE=0 RUST_LOG=warn
"$BIN" demo >/dev/null
"$BIN" serve >"$DIR/server.log" 2>&1 &
SERVER=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 150); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.2; done
TOKEN=$(curl -sf -XPOST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"liaison-demo-2026"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
[ -n "$TOKEN" ] || { echo "could not sign in as the demo administrator" >&2; exit 1; }

# Left out: the calls that end or change the session this run signs in with (sign-out, the
# password change, editing or deactivating users: the admin could demote or lock itself out),
# and the restore of a backup, which would replace the database under the run.
status=0
# From the scratch directory: schemathesis leaves its cache (.schemathesis/) where it runs.
(cd "$DIR" && st run "$URL/api/v1/openapi.json" \
  --url "$URL" \
  -H "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/password \
  --exclude-path-regex "^/api/v1/users/" \
  --max-examples "$MAX_EXAMPLES" --max-time "$MAX_TIME" \
  --request-timeout 20 --seed "${SCHEMATHESIS_SEED:-20261129}" --generation-database none \
  --no-color --output-truncate true --warnings off) || status=$?
if [ "$status" != 0 ]; then
  echo "== last lines of the server log"
  tail -n 40 "$DIR/server.log"
fi
exit "$status"

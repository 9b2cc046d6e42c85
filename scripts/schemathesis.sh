#!/usr/bin/env bash
# schemathesis (from PyPI) against a live `marcador demo`, with the OpenAPI
# document the server serves: generated requests on every operation, and
# every answer checked — no 5xx, its status documented, its content type and
# body matching the document. Installs schemathesis if it is missing. Usage:
#   scripts/schemathesis.sh [path to a built marcador binary]
set -euo pipefail
cd "$(dirname "$0")/.."

BIN="${1:-target/debug/marcador}"
PORT="${SCHEMATHESIS_PORT:-18181}"
TOKEN="schemathesis-5f1c0d2e9a7b"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-40}"

if ! command -v schemathesis >/dev/null 2>&1; then
    echo "installing schemathesis (PyPI)"
    python3 -m pip install -q schemathesis
fi
[ -x "$BIN" ] || cargo build -p marcador

log="$(mktemp)"
"$BIN" demo --listen "127.0.0.1:$PORT" --token "$TOKEN" --days 1 --records 300 >"$log" 2>&1 &
demo=$!
trap 'kill "$demo" 2>/dev/null || true; wait "$demo" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    if ! kill -0 "$demo" 2>/dev/null; then cat "$log"; echo "the demo did not start"; exit 1; fi
    sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null

schemathesis run "http://127.0.0.1:$PORT/openapi.json" \
    --header "wolkvox-token: $TOKEN" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$EXAMPLES" \
    --seed 7 \
    --generation-deterministic \
    --request-timeout 70

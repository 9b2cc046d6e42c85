#!/usr/bin/env bash
# Keep-alive latency and throughput of the small real-time answers against
# `/healthz` on the same server, in one run.
#
#   scripts/bench-keepalive.sh [SECONDS] [BIN]
#
# Starts `marcador demo` (release build, or BIN) on a free port with four
# tokens of the demo operation (its quota raised out of the way, with the
# sqlite3 CLI), then, with wrk (Debian package wrk):
#  1. latency: one keep-alive connection, one request at a time, SECONDS each,
#     for /healthz, real_time campaigns and real_time calls_last_10
#     (median and p99 from wrk --latency);
#  2. throughput: 4 tokens × 2 connections (2 in flight per token, the
#     contract's limit), SECONDS each, the same three paths; every answer of
#     a Wolkvox path must be a 200 (wrk counts the others as non-2xx).
# Prints a table of figures and ratios against /healthz.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
BIN=${2:-}
PORT=${PORT:-18094}
URL=http://127.0.0.1:$PORT
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install sqlite3)"; exit 1; }
work=$(mktemp -d)
trap 'kill $demo 2>/dev/null || true; wait $demo 2>/dev/null || true; rm -rf "$work"' EXIT

if [ -z "$BIN" ]; then
  cargo build --release --quiet
  BIN=target/release/marcador
fi
T1=benchkeepalivetoken01
$BIN demo --listen 127.0.0.1:$PORT --token $T1 --db "$work/demo.db" >"$work/demo.log" 2>&1 &
demo=$!
until grep -q "base URL" "$work/demo.log"; do
  kill -0 $demo 2>/dev/null || { cat "$work/demo.log"; exit 1; }
  sleep 0.5
done
# The load would use up the demo's daily quota in seconds: this measures speed.
sqlite3 -cmd ".timeout 5000" "$work/demo.db" "UPDATE operations SET licenses = 1000000 WHERE name = 'demo'"
tokens=$T1
for _ in 2 3 4; do
  t=$($BIN token create --db "$work/demo.db" --operation demo 2>/dev/null | tail -n1 | tr -d '[:space:]')
  tokens="$tokens,$t"
done


CAMPAIGNS=/api/v2/real_time.php?api=campaigns
CALLS=/api/v2/real_time.php?api=calls_last_10
# wrk prints latencies as 1.23ms / 456.00us / 1.02s; convert to ms.
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v+0 } else { sub(/s$/,"",v); print v*1000 } }'; }

latency() { # path → "median p99" in ms
  TOKENS=$T1 wrk -t1 -c1 -d"${SECS}s" --latency -s scripts/wrk-tokens.lua "$URL$1" >"$work/lat.out"
  local p50 p99
  p50=$(awk '$1=="50%"{print $2}' "$work/lat.out" | to_ms)
  p99=$(awk '$1=="99%"{print $2}' "$work/lat.out" | to_ms)
  echo "$p50 $p99"
}
throughput() { # path → "req/s non2xx"
  TOKENS=$tokens wrk -t4 -c8 -d"${SECS}s" -s scripts/wrk-tokens.lua "$URL$1" >"$work/rps.out"
  local rps bad
  rps=$(awk '/^Requests\/sec/{print $2}' "$work/rps.out")
  bad=$(awk '/Non-2xx/{print $5}' "$work/rps.out")
  echo "$rps ${bad:-0}"
}

read -r h50 h99 <<<"$(latency /healthz)"
read -r c50 c99 <<<"$(latency "$CAMPAIGNS")"
read -r l50 l99 <<<"$(latency "$CALLS")"
read -r hr hbad <<<"$(throughput /healthz)"
read -r cr cbad <<<"$(throughput "$CAMPAIGNS")"
read -r lr lbad <<<"$(throughput "$CALLS")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
printf '\nkeep-alive latency, 1 connection (ms)   median      p99   median ÷ healthz   p99 ÷ healthz\n'
printf '%-38s %8.3f %8.3f %18s %15s\n' "/healthz" "$h50" "$h99" 1.0 1.0
printf '%-38s %8.3f %8.3f %18s %15s\n' "real_time campaigns" "$c50" "$c99" "$(ratio "$c50" "$h50")" "$(ratio "$c99" "$h99")"
printf '%-38s %8.3f %8.3f %18s %15s\n' "real_time calls_last_10" "$l50" "$l99" "$(ratio "$l50" "$h50")" "$(ratio "$l99" "$h99")"
printf '\nthroughput, 4 tokens x 2 connections     req/s    non-2xx   ÷ healthz\n'
printf '%-38s %8.0f %10s %11s\n' "/healthz" "$hr" "$hbad" 1.000
printf '%-38s %8.0f %10s %11s\n' "real_time campaigns" "$cr" "$cbad" "$(awk -v a="$cr" -v b="$hr" 'BEGIN{printf "%.3f", a/b}')"
printf '%-38s %8.0f %10s %11s\n' "real_time calls_last_10" "$lr" "$lbad" "$(awk -v a="$lr" -v b="$hr" 'BEGIN{printf "%.3f", a/b}')"

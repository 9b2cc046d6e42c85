#!/usr/bin/env bash
# Export rate: `marcador export campaign-3` against the bare curl loop a user
# would otherwise write, on the same server and data, in one run.
#
#   scripts/bench-export.sh [DAYS] [RECORDS] [RUNS]
#
# Starts `marcador demo` with DAYS of history (default 183) on a free port,
# exports campaign_3 over the whole history with each tool RUNS times (default
# 3), and prints seconds and rows/s per run. Needs curl and jq.
set -euo pipefail
cd "$(dirname "$0")/.."
DAYS=${1:-183}
RECORDS=${2:-100000}
RUNS=${3:-3}
PORT=${PORT:-18093}
TOKEN=benchexporttoken0001
URL=http://127.0.0.1:$PORT
TZ_OP=America/Bogota
work=$(mktemp -d)
trap 'kill $demo 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release --quiet
bin=target/release/marcador
# The range ends before the demo starts: its live engine adds nothing to it.
to_epoch=$(($(date +%s) - 1))
$bin demo --listen 127.0.0.1:$PORT --token $TOKEN --days "$DAYS" --records "$RECORDS" >"$work/demo.log" 2>&1 &
demo=$!
until grep -q "base URL" "$work/demo.log"; do
  kill -0 $demo 2>/dev/null || { cat "$work/demo.log"; exit 1; }
  sleep 1
done
grep attempts "$work/demo.log"

from_epoch=$((to_epoch - DAYS * 86400))
FROM=$(TZ=$TZ_OP date -d @"$from_epoch" +%Y%m%d%H%M%S)
TO=$(TZ=$TZ_OP date -d @"$to_epoch" +%Y%m%d%H%M%S)
echo "range $FROM .. $TO ($DAYS days)"

now() { date +%s.%N; }
rate() { awk -v r="$1" -v s="$2" 'BEGIN { printf "%.2f s, %.0f rows/s", s, r / s }'; }

# The loop a user writes: 31-day windows, one curl each, answers appended.
curl_loop() { # $1: raw | csv
  local start=$from_epoch end ini fin
  : >"$work/curl.out"
  while [ "$start" -le "$to_epoch" ]; do
    end=$((start + 31 * 86400 - 1))
    [ "$end" -gt "$to_epoch" ] && end=$to_epoch
    ini=$(TZ=$TZ_OP date -d @"$start" +%Y%m%d%H%M%S)
    fin=$(TZ=$TZ_OP date -d @"$end" +%Y%m%d%H%M%S)
    if [ "$1" = raw ]; then
      curl -sf -H "wolkvox-token: $TOKEN" \
        "$URL/api/v2/reports_manager.php?api=campaign_3&campaign_id=all&date_ini=$ini&date_end=$fin" >>"$work/curl.out"
    else
      curl -sf -H "wolkvox-token: $TOKEN" \
        "$URL/api/v2/reports_manager.php?api=campaign_3&campaign_id=all&date_ini=$ini&date_end=$fin" |
        jq -r '.data[] | [.campaign_id,.customer_name,.customer_last_name,.id_type,.customer_id,.date,.telephone,.result,.opt1,.opt2,.opt3,.opt4,.opt5,.opt6,.opt7,.opt8,.opt9,.opt10,.opt11,.opt12,.conn_id] | @csv' >>"$work/curl.out"
    fi
    start=$((end + 1))
  done
}

rows=0
for i in $(seq "$RUNS"); do
  t0=$(now)
  $bin export campaign-3 --from "$FROM" --to "$TO" --out "$work/export.csv" --force \
    --url "$URL" --token $TOKEN 2>/dev/null
  t1=$(now)
  rows=$(($(wc -l <"$work/export.csv") - 1))
  echo "marcador export   run $i: $rows rows, $(rate $rows "$(echo "$t1 - $t0" | bc)")"
done
for i in $(seq "$RUNS"); do
  t0=$(now); curl_loop raw; t1=$(now)
  echo "curl loop (JSON)  run $i: $(rate $rows "$(echo "$t1 - $t0" | bc)")"
done
for i in $(seq "$RUNS"); do
  t0=$(now); curl_loop csv; t1=$(now)
  n=$(wc -l <"$work/curl.out")
  echo "curl+jq (CSV)     run $i: $n rows, $(rate "$n" "$(echo "$t1 - $t0" | bc)")"
done

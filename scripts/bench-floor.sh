#!/usr/bin/env bash
# Marcador against its storage engine's floor, on an operation of a real
# contact center's size (issue 14's table), in one run.
#
#   scripts/bench-floor.sh [ATTEMPTS] [BIN]
#
# 1. Builds the dataset with `marcador seed` into a fresh SQLite file:
#    ATTEMPTS predictive attempts (default 10,000,000) over a year, 1,000
#    campaigns, their calls and IVR steps (operation "bulk"), and a small
#    operation ("small": 5 campaigns) beside it. The seed's own rate is the
#    "facts loaded per second" row.
# 2. Serves it (`marcador serve`, release build or BIN) and measures, each
#    measure and its floor alternately, ROUNDS times (default 3), the median:
#    - real_time campaigns req/s, 4 tokens × 2 connections (small operation)
#      ÷ /healthz on the same server (wrk);
#    - codify req/s, 4 tokens × 2 connections ÷ one UPDATE per transaction
#      by the sqlite3 CLI on the same file (WAL, synchronous NORMAL);
#    - campaign_3 of ~59,000 rows, time to last byte (curl) ÷ the same rows
#      read by the sqlite3 CLI as JSON;
#    - real_time campaigns with 1,000 campaigns, one connection, median
#      latency (goal: 2 ms) beside /healthz's;
# 3. Runs `cargo bench --bench engine` for the engine ÷ store-alone ratio.
# Prints the table. Needs wrk, sqlite3 and curl (Debian: wrk sqlite3 curl).
# Set SKIP_ENGINE=1 to leave out step 3, PG=postgres://… to also seed the
# same dataset into that (empty) PostgreSQL database for its load rate.
set -euo pipefail
cd "$(dirname "$0")/.."
ATTEMPTS=${1:-10000000}
BIN=${2:-}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-5}
PORT=${PORT:-18095}
URL=http://127.0.0.1:$PORT
for tool in wrk sqlite3 curl; do
  command -v $tool >/dev/null || { echo "$tool is needed (apt-get install $tool)"; exit 1; }
done
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
server=
trap 'if [ -n "$server" ]; then kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; fi; [ -n "${WORK:-}" ] || rm -rf "$work"' EXIT

if [ -z "$BIN" ]; then
  cargo build --release --quiet --bin marcador
  BIN=target/release/marcador
fi
DB=$work/floor.db
val() { awk -v k="$1:" '$1==k {print $2}' "$2"; }

# WORK=DIR keeps the dataset: a second run with the same DIR measures again
# without seeding (the load rate is the first run's).
if [ -s "$work/bulk.out" ] && [ -f "$DB" ]; then
  echo "measuring the dataset already in $DB" >&2
else
  rm -f "$DB" "$DB-wal" "$DB-shm" "$work/small.out"
  echo "seeding $ATTEMPTS attempts into $DB …" >&2
  $BIN seed --db "$DB" --attempts "$ATTEMPTS" >"$work/bulk.out.new"
  mv "$work/bulk.out.new" "$work/bulk.out"
fi
if [ ! -s "$work/small.out" ]; then
  $BIN seed --db "$DB" --operation small --attempts 20000 --campaigns 5 --days 7 --seed 2 >"$work/small.out"
fi
BULK_TOKEN=$($BIN token create --db "$DB" --operation bulk 2>/dev/null | tail -n1 | tr -d '[:space:]')
BULK_OP=$(val operation_id "$work/bulk.out")
BIG=$(val largest_campaign "$work/bulk.out")
SMALL_OP=$(val operation_id "$work/small.out")
FACTS_RATE=$(val facts_per_second "$work/bulk.out")
tokens=
for _ in 1 2 3 4; do
  t=$($BIN token create --db "$DB" --operation small 2>/dev/null | tail -n1 | tr -d '[:space:]')
  tokens="$tokens${tokens:+,}$t"
done
PG_RATE=-
if [ -n "${PG:-}" ]; then
  echo "seeding $ATTEMPTS attempts into PostgreSQL …" >&2
  $BIN seed --db "$PG" --attempts "$ATTEMPTS" >"$work/pg.out"
  PG_RATE=$(val facts_per_second "$work/pg.out")
fi

$BIN serve --db "$DB" --listen 127.0.0.1:$PORT >"$work/serve.log" 2>&1 &
server=$!
until curl -sf "$URL/healthz" >/dev/null; do
  kill -0 $server 2>/dev/null || { cat "$work/serve.log"; exit 1; }
  sleep 0.3
done

# wrk prints latencies as 1.23ms / 456.00us / 1.02s; convert to ms.
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v+0 } else { sub(/s$/,"",v); print v*1000 } }'; }
rps() { # TOKENS path → req/s (every answer must be a 2xx)
  TOKENS=$1 wrk -t4 -c8 -d"${SECS}s" -s scripts/wrk-tokens.lua "$URL$2" >"$work/wrk.out"
  if grep -q Non-2xx "$work/wrk.out"; then echo "non-2xx answers for $2:" >&2; cat "$work/wrk.out" >&2; exit 1; fi
  awk '/^Requests\/sec/{print $2}' "$work/wrk.out"
}
median_ms() { # TOKEN path → median latency (ms), one connection
  TOKENS=$1 wrk -t1 -c1 -d"${SECS}s" --latency -s scripts/wrk-tokens.lua "$URL$2" >"$work/wrk.out"
  awk '$1=="50%"{print $2}' "$work/wrk.out" | to_ms
}
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

CAMPAIGNS=/api/v2/real_time.php?api=campaigns
SMALL_CAMPAIGN=$(sqlite3 "$DB" "SELECT MIN(id) FROM campaigns WHERE operation_id = $SMALL_OP")
CODIFY_BASE=$(sqlite3 "$DB" "SELECT MIN(CAST(customer_id AS INTEGER)) FROM records WHERE campaign_id = $SMALL_CAMPAIGN")
CODIFY_CUSTOMERS=$(sqlite3 "$DB" "SELECT COUNT(*) FROM records WHERE campaign_id = $SMALL_CAMPAIGN")
CODIFY=/api/v2/campaign.php?api=codify\&type_campaign=predictive\&campaign_id=$SMALL_CAMPAIGN
export CODIFY_BASE CODIFY_CUSTOMERS

# The floor of a codify: one UPDATE of a record per transaction, by the
# sqlite3 CLI (WAL, synchronous NORMAL, as Marcador's), N of them.
N_UPDATES=20000
{
  echo "PRAGMA synchronous = NORMAL;"
  sqlite3 "$DB" "SELECT id FROM records WHERE campaign_id = $SMALL_CAMPAIGN" |
    awk -v n=$N_UPDATES '{ id[NR] = $1 } END { for (i = 0; i < n; i++) printf "UPDATE records SET comment = %c%d%c WHERE id = %d;\n", 39, i, 39, id[i % NR + 1] }'
} >"$work/updates.sql"
update_rate() {
  local t0 t1
  t0=$(date +%s.%N)
  sqlite3 -cmd ".timeout 5000" "$DB" <"$work/updates.sql" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" -v n=$N_UPDATES 'BEGIN { printf "%.0f", n / (b - a) }'
}

# campaign_3 of the largest campaign over the range that holds ~59,000 rows;
# of every campaign (campaign_id=all) when the largest one's 59,000 rows span
# more than the 31 days one request may ask for (a smaller dataset).
c3_range() { # "AND campaign_id = N" or "" → "from to"
  sqlite3 "$DB" "SELECT MIN(started_at), MAX(started_at) FROM (SELECT started_at FROM dial_attempts WHERE operation_id = $BULK_OP $1 ORDER BY started_at DESC LIMIT 59000)" | tr '|' ' '
}
C3_WHICH="AND a.campaign_id = $BIG"; C3_ID=$BIG
read -r C3_FROM C3_TO <<<"$(c3_range "AND campaign_id = $BIG")"
if [ $((C3_TO - C3_FROM)) -gt $((31 * 86400)) ]; then
  C3_WHICH=""; C3_ID=all
  read -r C3_FROM C3_TO <<<"$(c3_range "")"
fi
local_date() { TZ=America/Bogota date -d "@$1" +%Y%m%d%H%M%S; }
C3=/api/v2/reports_manager.php?api=campaign_3\&campaign_id=$C3_ID\&date_ini=$(local_date "$C3_FROM")\&date_end=$(local_date "$C3_TO")
C3_ROWS=$(curl -s -H "wolkvox-token: $BULK_TOKEN" "$URL$C3" | grep -o '"conn_id"' | wc -l)
C3_SQL="SELECT a.campaign_id, r.customer_name, r.customer_last_name, r.id_type, r.customer_id, a.started_at, a.telephone, a.result, a.conn_id, r.opt1, r.opt2, r.opt3, r.opt4, r.opt5, r.opt6, r.opt7, r.opt8, r.opt9, r.opt10, r.opt11, r.opt12 FROM dial_attempts a JOIN records r ON r.id = a.record_id WHERE a.operation_id = $BULK_OP $C3_WHICH AND a.started_at BETWEEN $C3_FROM AND $C3_TO ORDER BY a.started_at"
c3_marcador() { curl -s -o /dev/null -w '%{time_total}' -H "wolkvox-token: $BULK_TOKEN" "$URL$C3"; }
c3_sqlite() {
  local t0 t1
  t0=$(date +%s.%N)
  sqlite3 -json "$DB" "$C3_SQL" >"$work/c3.json"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}

h=() c=() k=() u=() m=() f=() l=() hl=()
for round in $(seq "$ROUNDS"); do
  echo "round $round of $ROUNDS …" >&2
  h+=("$(rps "$tokens" /healthz)")
  c+=("$(rps "$tokens" "$CAMPAIGNS")")
  u+=("$(update_rate)")
  k+=("$(CODIFY=1 rps "$tokens" "$CODIFY")")
  f+=("$(c3_sqlite)")
  m+=("$(c3_marcador)")
  hl+=("$(median_ms "${tokens%%,*}" /healthz)")
  l+=("$(median_ms "$BULK_TOKEN" "$CAMPAIGNS")")
done
H=$(echo "${h[*]}" | med); C=$(echo "${c[*]}" | med)
U=$(echo "${u[*]}" | med); K=$(echo "${k[*]}" | med)
F=$(echo "${f[*]}" | med); M=$(echo "${m[*]}" | med)
HL=$(echo "${hl[*]}" | med); L=$(echo "${l[*]}" | med)

ENGINE=- OWN=-
if [ -z "${SKIP_ENGINE:-}" ]; then
  echo "cargo bench --bench engine …" >&2
  bench=$(cargo bench -q -p marcador-server --bench engine 2>/dev/null)
  ENGINE=$(echo "$bench" | awk -F'|' '/engine ÷ baseline/ {gsub(/ /,"",$3); print $3}')
  # The share of the engine's wall time in its own store transactions.
  OWN=$(echo "$bench" | awk -F'|' '/in its store transactions/ {if (match($3, /[0-9]+ %/)) print substr($3, RSTART, RLENGTH)}')
fi

div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo
echo "dataset: $(val attempts "$work/bulk.out") attempts, $(val calls "$work/bulk.out") calls, $(val ivr_steps "$work/bulk.out") IVR steps, $(val records "$work/bulk.out") records, $(val campaigns "$work/bulk.out") campaigns; $(du -h "$DB" | cut -f1) on disk; medians of $ROUNDS rounds"
echo
echo "| measure | Marcador | floor in the same run | ratio | goal |"
echo "|---|---|---|---|---|"
printf '| real_time campaigns, req/s, 4 tokens × 2 connections | %.0f | /healthz %.0f | %s | ≥ 0.25 |\n' "$C" "$H" "$(div "$C" "$H")"
printf '| codify, req/s, 4 tokens × 2 connections | %.0f | one UPDATE per transaction (sqlite3, WAL, NORMAL) %.0f | %s | ≥ 0.25 |\n' "$K" "$U" "$(div "$K" "$U")"
printf '| campaign_3 (campaign_id=%s), %s rows, time to last byte | %.3f s | the same rows from the sqlite3 CLI (JSON) %.3f s | %s× | ≤ 1.5× |\n' "$C3_ID" "$C3_ROWS" "$M" "$F" "$(div "$M" "$F")"
printf '| real_time campaigns with 1,000 campaigns, median | %.2f ms | /healthz %.3f ms | — | ≤ 2 ms |\n' "$L" "$HL"
printf '| facts loaded per second (marcador seed) | SQLite %s; PostgreSQL %s | — | — | ≥ 100,000 on SQLite, ≥ 50,000 on PostgreSQL |\n' "$FACTS_RATE" "$PG_RATE"
printf '| engine ÷ store-alone baseline (--bench engine) | %s | its own store transactions: %s of its time | — | ≥ 0.9 |\n' "$ENGINE" "$OWN"

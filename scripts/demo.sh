#!/usr/bin/env bash
# The demo behind `make demo`: starts Sluice with its embedded NATS JetStream
# on a fresh data directory, then shows the product at work through the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-bin/sluice}
DATA=$(mktemp -d -t sluice-demo-XXXXXX)
LOG="$DATA/server.log"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "Start the server (embedded NATS JetStream in $DATA)"
"$BIN" serve --data-dir "$DATA/data" --http 127.0.0.1:0 --nats "" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do
  url=$(grep -o 'http=http://[0-9.:]*' "$LOG" | head -1 | cut -d= -f2 || true)
  [ -n "$url" ] && break
  kill -0 $SERVER 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "server did not start"; cat "$LOG"; exit 1; }
export SLUICE_ENDPOINT=$url
echo "listening on $url"

step "Create a data stream with 4 shards"
run "$BIN" stream create sensors --shards 4 --retention 48h
run "$BIN" stream describe sensors

step "Write 2,000 readings from 20 sensors (one PutRecords batch per key)"
for s in $(seq -w 1 20); do
  for i in $(seq 1 100); do
    printf '{"sensor":"s%s","reading":%d,"temp":%d.%d}\n' "$s" "$i" $((15 + RANDOM % 10)) $((RANDOM % 10))
  done | "$BIN" put sensors --partition-key "sensor-$s" >/dev/null
done
run "$BIN" put sensors --partition-key sensor-01 '{"sensor":"s01","reading":101,"temp":21.5}'

step "Read shard 0 from the oldest record (first 5 lines)"
"$BIN" get sensors --shard shardId-000000000000 --from trim-horizon >"$DATA/shard0.txt"
head -5 "$DATA/shard0.txt"
echo "..."
step "Records per shard"
for sh in 0 1 2 3; do
  id=$(printf 'shardId-%012d' $sh)
  printf '%s  %s records\n' "$id" "$("$BIN" get sensors --shard "$id" | wc -l)"
done

step "The same API answers the AWS SDKs and CLI with an endpoint override"
echo "aws kinesis list-streams --endpoint-url $url --region us-east-1   (any credentials)"
run "$BIN" stream list

step "Done; stopping the server"

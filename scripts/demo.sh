#!/usr/bin/env bash
# The demo behind `make demo`: starts Sluice with its embedded NATS JetStream
# on a fresh data directory, then shows the product at work through the CLI:
# a data stream, a WebAssembly transform, a delivery stream writing Parquet.
#
# It needs only what `make demo` builds (bin/sluice and
# transforms/project/project.wasm, both with Go) and curl for the metrics.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/bin/sluice"
for f in "$BIN" "$ROOT/transforms/project/project.wasm"; do
  [ -e "$f" ] || { echo "demo: $f is missing: run 'make demo'" >&2; exit 1; }
done
# The commands shown read as a person types them: sluice on PATH, paths
# relative to the repository.
export PATH="$ROOT/bin:$PATH"
cd "$ROOT"
DEMO=$(mktemp -d -t sluice-demo-XXXXXX)
LOG="$DEMO/server.log"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# run shows a command, then runs it. A command whose output goes to a file
# is shown by hand, with its redirection, before it runs (run would write
# the "$ ..." line into the file).
show() {
  local out=() a
  for a in "$@"; do
    if [[ -z "$a" || "$a" =~ [^A-Za-z0-9_./=:,@%+-] ]]; then out+=("'${a//\'/\'\\\'\'}'"); else out+=("$a"); fi
  done
  printf '$ %s\n' "${out[*]}"
}
run() { show "$@"; "$@"; }

step "Start the server (embedded NATS JetStream under $DEMO)"
# The pipeline's relative output folder lands under the output root, $DEMO/data/buckets.
(cd "$DEMO" && exec "$BIN" serve --data-dir "$DEMO/data" --http 127.0.0.1:0 --nats "") >"$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$DEMO"' EXIT
url=
for _ in $(seq 100); do
  url=$(grep -o 'http=http://[0-9.:]*' "$LOG" | head -1 | cut -d= -f2 || true)
  [ -n "$url" ] && break
  kill -0 $SERVER 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "server did not start"; cat "$LOG"; exit 1; }
export SLUICE_ENDPOINT=$url
echo "listening on $url (the AWS SDKs and CLI work against it with --endpoint-url $url)"

step "Upload a WebAssembly transform (Go SDK: keep and rename JSON fields)"
run sluice module push project transforms/project/project.wasm

step "Try it locally on two records first, like 'sam local invoke'"
printf '%s\n' '{"id":"r1","ts":1764000000000,"temp":21.5,"humidity":40,"sensor":{"site":"plant-a","serial":"x1"},"debug":true}' 'not json' >"$DEMO/sample.txt"
run sluice module test transforms/project/project.wasm --records "$DEMO/sample.txt" \
  --env FIELDS=id,temp,sensor.site --env RENAME=sensor.site:site

step "Apply the pipeline: a 4-shard data stream -> transform -> Parquet (zstd) in a folder"
run cat examples/parquet-pipeline/pipeline.yaml
run sluice apply -f examples/parquet-pipeline/pipeline.yaml
run sluice stream describe sensors

step "Write 2,000 sensor readings from 20 sensors at 2 sites, plus one bad record"
for s in $(seq -w 1 20); do
  site=plant-a; [ $((10#$s % 2)) -eq 0 ] && site=plant-b
  for i in $(seq 1 100); do
    printf '{"id":"s%s-%03d","ts":%d,"temp":%d.%d,"humidity":%d,"sensor":{"site":"%s","serial":"sn-%s"},"debug":"dropped by the transform"}\n' \
      "$s" "$i" $((1764000000000 + i * 1000)) $((15 + RANDOM % 10)) $((RANDOM % 10)) $((30 + RANDOM % 40)) "$site" "$s"
  done | sluice put sensors --partition-key "sensor-$s" >/dev/null
done
echo "(20 times: generate 100 readings | sluice put sensors --partition-key sensor-NN)"
run sluice put sensors --partition-key bad 'this line is not JSON'
printf '$ %s\n' "sluice get sensors --shard shardId-000000000000 -o json --from trim-horizon > shard0.json"
sluice get sensors --shard shardId-000000000000 -o json --from trim-horizon >"$DEMO/shard0.json"
echo "shard 0 holds $(wc -l <"$DEMO/shard0.json") records; the first:"
head -1 "$DEMO/shard0.json"

step "Wait for the delivery stream (10 s buffer interval) to write Parquet"
out="$DEMO/data/buckets/sensors"
for _ in $(seq 120); do
  rows=0
  while IFS= read -r f; do
    n=$(sluice inspect -o json -n 0 "$f" | sed -n 's/.*"Rows": \([0-9]*\).*/\1/p')
    rows=$((rows + n))
  done < <(find "$out" -name '*.parquet' 2>/dev/null)
  [ "$rows" -ge 2000 ] && break
  sleep 0.5
done
echo "delivered $rows rows:"
(cd "$DEMO/data/buckets" && find sensors -type f | sort -u)
first=$(find "$out" -name '*.parquet' | sort | head -1)
step "The first Parquet file"
printf '$ %s\n' "sluice inspect ${first#"$DEMO/"} --rows 3"
(cd "$DEMO" && sluice inspect "${first#"$DEMO/"}" --rows 3)
step "The record the transform could not handle went to the error output, with its reason"
errfile=$(find "$out" -path '*errors*' -type f | head -1)
if [ -n "$errfile" ]; then head -c 600 "$errfile"; echo; fi
run sluice delivery describe sensors-parquet

step "Metrics for Prometheus at $url/metrics (Firehose's names)"
command -v curl >/dev/null || { echo "(curl is not installed)"; exit 0; }
# The counters and gauges; the latency histograms' buckets are for Prometheus.
curl -s "$url/metrics" | grep -E '^sluice_delivery_' | grep -E 'sensors-parquet' | grep -vE '_(bucket|sum|count)\{' | head -14 || true

step "Done; stopping the server"

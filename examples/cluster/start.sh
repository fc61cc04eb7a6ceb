#!/usr/bin/env bash
# Start a 3-node Sluice cluster on this machine (loopback only): three
# `sluice serve` processes whose embedded NATS servers form one JetStream
# cluster, every stream and bucket kept in three copies.
#
#   examples/cluster/start.sh [DIR]     # DIR defaults to ./sluice-cluster
#   examples/cluster/stop.sh  [DIR]
#
# Node i (1..3) serves the APIs at http://127.0.0.1:456$i and its routes
# at 127.0.0.1:622$i (HTTP_PORTS="4561 4562 4563" and ROUTE_PORTS="6221
# 6222 6223" choose others). Its data directory and log are DIR/n$i and
# DIR/n$i.log.
set -euo pipefail
read -r -a http_ports <<<"${HTTP_PORTS:-4561 4562 4563}"
read -r -a route_ports <<<"${ROUTE_PORTS:-6221 6222 6223}"

dir=${1:-sluice-cluster}
repo=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bin=${SLUICE:-$dir/sluice}

if [[ -z ${SLUICE:-} ]]; then
	(cd "$repo" && go build -o "$bin" ./cmd/sluice)
fi

# One route secret, shared by the nodes, readable by this user only.
if [[ ! -s $dir/cluster-secret ]]; then
	(umask 077 && head -c 24 /dev/urandom | base64 >"$dir/cluster-secret")
fi

# alive PIDFILE: the process runs (a killed one not yet reaped does not).
alive() {
	local pid state
	pid=$(cat "$1" 2>/dev/null) || return 1
	state=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
	[[ $state != Z* ]]
}

for i in 1 2 3; do
	if alive "$dir/n$i.pid"; then
		echo "node $i already runs (pid $(cat "$dir/n$i.pid"))"
		continue
	fi
	routes=()
	for j in 1 2 3; do
		[[ $j == "$i" ]] || routes+=("nats-route://127.0.0.1:${route_ports[j-1]}")
	done
	"$bin" serve \
		--data-dir "$dir/n$i" \
		--http "127.0.0.1:${http_ports[i-1]}" \
		--nats "" \
		--cluster-name sluice-example \
		--node-name "n$i" \
		--cluster-listen "127.0.0.1:${route_ports[i-1]}" \
		--routes "$(IFS=,; echo "${routes[*]}")" \
		--cluster-secret-file "$dir/cluster-secret" \
		>"$dir/n$i.log" 2>&1 &
	echo $! >"$dir/n$i.pid"
done

# A node takes API requests once the cluster has elected its JetStream
# leader (the nodes wait for each other).
for i in 1 2 3; do
	for _ in $(seq 300); do
		if curl -fsS "http://127.0.0.1:${http_ports[i-1]}/readyz" >/dev/null 2>&1; then
			continue 2
		fi
		if ! alive "$dir/n$i.pid"; then
			echo "node $i exited; its log:" >&2
			tail -20 "$dir/n$i.log" >&2
			exit 1
		fi
		sleep 0.5
	done
	echo "node $i is not ready after 150 s; see $dir/n$i.log" >&2
	exit 1
done
echo "3 nodes ready: http://127.0.0.1:${http_ports[0]} http://127.0.0.1:${http_ports[1]} http://127.0.0.1:${http_ports[2]}"
echo "try: $bin --endpoint http://127.0.0.1:${http_ports[0]} stream create demo --shards 2"

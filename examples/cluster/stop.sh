#!/usr/bin/env bash
# Stop the nodes examples/cluster/start.sh started in DIR (default
# ./sluice-cluster); their data stays.
set -euo pipefail
dir=${1:-sluice-cluster}
for i in 1 2 3; do
	f=$dir/n$i.pid
	[[ -s $f ]] || continue
	pid=$(cat "$f")
	if kill "$pid" 2>/dev/null; then
		# Wait for it to end (a zombie nobody reaps has ended too).
		for _ in $(seq 150); do
			state=$(ps -o stat= -p "$pid" 2>/dev/null) || break
			[[ $state == Z* ]] && break
			sleep 0.2
		done
		echo "node $i stopped"
	fi
	rm -f "$f"
done

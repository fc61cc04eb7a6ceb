#!/usr/bin/env bash
# The install test of the Debian package (make dist-test, after make dist):
# installs bin/dist/sluice_*_amd64.deb with dpkg -i, checks what it set up
# (the sluice user, the conffile, the enabled and valid unit), starts the
# installed binary with the packaged config as the sluice user (through
# systemd where systemd runs, else with runuser), talks to it with the CLI,
# and purges the package (and the user and /var/lib/sluice if this test
# made them). Needs root and dpkg; skips with a message otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "dist-test: skipped: $*"; exit 0; }
[ "$(uname -m)" = x86_64 ] || skip "the amd64 package installs on x86_64 only"
[ "$(id -u)" = 0 ] || skip "installing a package needs root (sudo make dist-test)"
command -v dpkg >/dev/null || skip "no dpkg: not a Debian system"
shopt -s nullglob
debs=(bin/dist/sluice_*_amd64.deb)
[ ${#debs[@]} = 1 ] || { echo "dist-test: want one bin/dist/sluice_*_amd64.deb (run make dist), found ${#debs[@]}"; exit 1; }
deb=${debs[0]}
if dpkg-query -W -f='${Status}' sluice 2>/dev/null | grep -q installed; then
	echo "dist-test: a sluice package is already installed here; not touching it"
	exit 1
fi

passed=0 failed=0
ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

had_user=$(getent passwd sluice >/dev/null && echo yes || echo no)
had_data=$([ -e /var/lib/sluice ] && echo yes || echo no)
work=$(mktemp -d)
server=
cleanup() {
	if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -9 "$server" 2>/dev/null || true; fi
	dpkg --purge sluice >/dev/null 2>&1 || true
	if [ "$had_user" = no ] && getent passwd sluice >/dev/null; then userdel sluice || true; fi
	if [ "$had_user" = no ] && getent group sluice >/dev/null; then groupdel sluice || true; fi
	if [ "$had_data" = no ]; then rm -rf /var/lib/sluice; fi
	rm -rf "$work"
}
trap cleanup EXIT

version=$(dpkg-deb -f "$deb" Version)
# make dist names the static binary after git describe: main.version.
bins=(bin/dist/sluice-*-linux-amd64)
[ ${#bins[@]} = 1 ] || { echo "dist-test: want one bin/dist/sluice-*-linux-amd64, found ${#bins[@]}"; exit 1; }
describe=${bins[0]#bin/dist/sluice-}
describe=${describe%-linux-amd64}
echo "dist-test: installing $deb ($version)"
dpkg -i "$deb" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; bad "dpkg -i"; exit 1; }
ok "dpkg -i $deb"

check "package installed" sh -c "dpkg-query -W -f='\${Status}' sluice | grep -qx 'install ok installed'"
check "user sluice exists, no login shell" sh -c 'getent passwd sluice | grep -q ":/var/lib/sluice:/usr/sbin/nologin$"'
check "/var/lib/sluice belongs to sluice" sh -c '[ "$(stat -c %U:%G:%a /var/lib/sluice)" = sluice:sluice:750 ]'
check "/etc/sluice/sluice.conf is a conffile" sh -c "dpkg-query -W -f='\${Conffiles}' sluice | grep -q ' /etc/sluice/sluice.conf '"
check "sluice.conf is root:sluice 640" sh -c '[ "$(stat -c %U:%G:%a /etc/sluice/sluice.conf)" = root:sluice:640 ]'
check "/usr/bin/sluice runs" sh -c '/usr/bin/sluice --help >/dev/null'
# The version make dist linked in (main.version); `sluice version` prints it.
if /usr/bin/sluice version >"$work/version" 2>&1; then
	check "sluice version says $describe" grep -qF -- "$describe" "$work/version"
else
	# main.version is linked in only once something reads it.
	echo "note: this binary has no 'sluice version': its version is not checked"
fi
if command -v systemctl >/dev/null; then
	check "sluice.service is enabled" sh -c 'systemctl is-enabled sluice.service | grep -qx enabled'
fi
if command -v systemd-analyze >/dev/null; then
	if out=$(systemd-analyze verify /usr/lib/systemd/system/sluice.service 2>&1) && [ -z "$out" ]; then
		ok "systemd-analyze verify sluice.service"
	else
		bad "systemd-analyze verify sluice.service: $out"
	fi
else
	echo "note: no systemd-analyze: the unit is not verified"
fi

# The server answers: through systemd where it is PID 1 (postinst started
# it on the packaged config's 127.0.0.1:4566), else the same command line
# as the unit's, run directly as the sluice user, with only the listeners
# moved to free ports (tests may run beside it) and --log-level shown to
# come from the command line.
if [ -d /run/systemd/system ]; then
	echo "dist-test: systemd runs: checking the service"
	check "sluice.service is active" systemctl is-active --quiet sluice.service
	endpoint=http://127.0.0.1:4566
else
	echo "dist-test: systemd is not PID 1 here ($(ps -p 1 -o comm=)): starting the unit's command as the sluice user"
	# setpriv execs sluice itself (runuser would stay as its parent), so
	# the SIGTERM below reaches the server as systemd's would.
	(cd /var/lib/sluice && exec setpriv --reuid=sluice --regid=sluice --init-groups --no-new-privs -- /usr/bin/sluice serve --config /etc/sluice/sluice.conf \
		--http 127.0.0.1:0 --nats "") 2>"$work/serve.log" &
	server=$!
	endpoint=
	for _ in $(seq 1 600); do # 60 s at most: a bound on a hang, not a timing check
		endpoint=$(grep -o 'http=http://[0-9.:]*' "$work/serve.log" | head -1 | cut -d= -f2 || true)
		[ -n "$endpoint" ] && break
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	if [ -z "$endpoint" ]; then
		cat "$work/serve.log"
		bad "sluice serve --config /etc/sluice/sluice.conf started"
	fi
fi
if [ -n "$endpoint" ]; then
	ok "sluice serve listens on $endpoint"
	answer=
	for _ in $(seq 1 300); do
		answer=$(curl -fsS "$endpoint/readyz" 2>/dev/null || true)
		[ -n "$answer" ] && break
		sleep 0.1
	done
	check "/readyz answers: $answer" test -n "$answer"
	check "/healthz says ok" sh -c "curl -fsS $endpoint/healthz | grep -q ok"
	check "sluice stream create" sh -c "/usr/bin/sluice --endpoint $endpoint stream create dist-test >/dev/null"
	check "sluice put" sh -c "/usr/bin/sluice --endpoint $endpoint put dist-test -k k1 hello-from-the-deb >/dev/null"
	check "sluice get reads it back" sh -c "/usr/bin/sluice --endpoint $endpoint get dist-test | grep -q hello-from-the-deb"
	if [ -n "$server" ]; then
		check "the data is in /var/lib/sluice, owned by sluice" sh -c '[ -z "$(find /var/lib/sluice -not -user sluice)" ] && [ -d /var/lib/sluice/jetstream ]'
		check "the config's data-dir was used" grep -q 'data_dir=/var/lib/sluice' "$work/serve.log"
		kill -TERM "$server"
		if wait "$server"; then ok "SIGTERM stops it cleanly"; else bad "SIGTERM: exit status $?"; cat "$work/serve.log"; fi
		server=
	fi
fi

# An edited conffile survives reinstalling the package.
echo "log-level = debug" >>/etc/sluice/sluice.conf
dpkg -i "$deb" >"$work/dpkg2.log" 2>&1 || { cat "$work/dpkg2.log"; bad "dpkg -i again"; }
check "an edited sluice.conf survives reinstalling" grep -qx "log-level = debug" /etc/sluice/sluice.conf

dpkg --purge sluice >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; bad "dpkg --purge"; }
check "purge removes the binary, the config and the unit" sh -c '[ ! -e /usr/bin/sluice ] && [ ! -e /etc/sluice/sluice.conf ] && [ ! -e /usr/lib/systemd/system/sluice.service ]'
check "purge leaves no enabled unit behind" sh -c '[ ! -e /etc/systemd/system/multi-user.target.wants/sluice.service ]'

echo "dist-test: $passed passed, $failed failed"
[ "$failed" = 0 ]

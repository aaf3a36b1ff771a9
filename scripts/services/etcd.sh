#!/usr/bin/env bash
# etcd.sh - a disposable single-member etcd 3.4 (Debian package) on 127.0.0.1,
# used by the registry tests and examples.
#
#   etcd.sh install                  install etcd-server and etcd-client when missing
#   etcd.sh start PORT DIR [PEER]    run etcd in the background with its files in DIR (client
#                                    port PORT, peer port PEER, default PORT+1); prints
#                                    127.0.0.1:PORT once /health is true
#   etcd.sh stop DIR                 stop the server started in DIR (no-op when none runs)
#   etcd.sh status DIR               prints 127.0.0.1:PORT and exits 0 when healthy, else exits 1
#
# Environment: ETCD_START_TIMEOUT (s, 60), ETCD_LOG_LEVEL (warn), SERVICE_OWNER_PID (stop the
# server once that process is gone; unset: keep it). No other ETCD_* variable
# reaches etcd: it reads them as flags and refuses to start when one shadows a flag.
# Files in DIR: etcd.log, etcd.pid, etcd.port, etcd-data/ (etcd creates it, mode 0700).
set -euo pipefail
SERVICE_NAME=etcd.sh
PID_FILE=etcd.pid
USAGE_LINES=4,11
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

START_TIMEOUT=${ETCD_START_TIMEOUT:-60}
LOG_LEVEL=${ETCD_LOG_LEVEL:-warn}

installed() { command -v etcd >/dev/null 2>&1 && command -v etcdctl >/dev/null 2>&1; }

do_install() {
  installed && return 0
  apt_install_quietly etcd-server etcd-client
  installed || fail "installed, but etcd or etcdctl is not on PATH"
}

serving() {
  [[ "$(tcp_ask "$1" 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')" == *'"health":"true"'* ]]
}

marker() { echo "--data-dir $1/etcd-data"; }

configured_port() { cat "$1/etcd.port" 2>/dev/null || true; }

launch() {
  local dir=$1 port=$2 peer=$3 name="etcd-$2"
  local client_url="http://127.0.0.1:$port" peer_url="http://127.0.0.1:$peer"
  (
    cd "$dir"
    for variable in $(compgen -e | grep '^ETCD_' || true); do unset "$variable"; done
    # A single member still needs a peer listener, and --initial-cluster must name it.
    exec setsid etcd --name "$name" --data-dir "$dir/etcd-data" \
      --listen-client-urls "$client_url" --advertise-client-urls "$client_url" \
      --listen-peer-urls "$peer_url" --initial-advertise-peer-urls "$peer_url" \
      --initial-cluster "$name=$peer_url" --initial-cluster-state new \
      --initial-cluster-token "$name-$$" --logger zap --log-outputs stderr --log-level "$LOG_LEVEL"
  ) </dev/null >"$dir/etcd.log" 2>&1 &
  echo $!
}

do_start() {
  [ $# -eq 2 ] || [ $# -eq 3 ] || usage
  local port=$1 peer=${3:-$(($1 + 1))} dir pid rc=0
  valid_port "$port" || fail "bad port: $port"
  valid_port "$peer" && [ "$peer" != "$port" ] || fail "bad peer port: $peer"
  installed || fail "not installed; run '$0 install' first"
  dir=$(absolute_dir "$2")
  pid=$(pid_in "$dir/$PID_FILE" || true)
  if [ -n "$pid" ] && running_here "$pid" "$(marker "$dir")"; then
    if [ "$(configured_port "$dir")" = "$port" ] && serving "$port"; then echo "127.0.0.1:$port"; return 0; fi
    fail "a server already runs in $dir (pid $pid)"
  fi
  ! port_taken "$port" || fail "127.0.0.1:$port is already in use"
  ! port_taken "$peer" || fail "127.0.0.1:$peer (peer port) is already in use"
  echo "$port" >"$dir/etcd.port"
  pid=$(launch "$dir" "$port" "$peer")
  echo "$pid" >"$dir/$PID_FILE"
  wait_ready "$START_TIMEOUT" "$pid" serving "$port" || rc=$?
  if [ "$rc" -eq 0 ]; then watch_owner "$pid" "$(marker "$dir")"; echo "127.0.0.1:$port"; return 0; fi
  tail -n 20 "$dir/etcd.log" >&2 || true
  stop_pid "$pid" "$(marker "$dir")"
  rm -f "$dir/$PID_FILE"
  fail "etcd did not become healthy on 127.0.0.1:$port (log: $dir/etcd.log)"
}

dispatch "$@"

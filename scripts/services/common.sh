#!/usr/bin/env bash
# Helpers shared by zookeeper.sh and etcd.sh (sourced, not run).
# Every server started here is a plain background process bound to 127.0.0.1,
# with all its files inside one directory the caller chooses.
#
# A script sourcing this defines: SERVICE_NAME, PID_FILE (name inside DIR),
# USAGE_LINES (its header lines to print, e.g. 4,10), and the functions
# marker DIR (text only our server's command line holds), configured_port DIR,
# serving PORT, do_install and do_start; then it calls `dispatch "$@"`.

fail() { echo "$SERVICE_NAME: $*" >&2; exit 1; }

# apt-get install, without letting a package's init script start a system-wide daemon
# (policy-rc.d exiting 101 tells invoke-rc.d "do not start").
apt_install_quietly() {
  local sudo="" own_policy="" rc=0 log
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod 755 /usr/sbin/policy-rc.d
    own_policy=yes
  fi
  log=$(mktemp)
  { $sudo apt-get update -qq \
      && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
           -o DPkg::Lock::Timeout=300 "$@"; } >"$log" 2>&1 || rc=$?
  [ -z "$own_policy" ] || $sudo rm -f /usr/sbin/policy-rc.d
  if [ "$rc" -ne 0 ]; then tail -n 20 "$log" >&2; rm -f "$log"; fail "apt-get install $* failed ($rc)"; fi
  rm -f "$log"
}

valid_port() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]; }

# true when something accepts TCP connections on 127.0.0.1:$1
port_taken() { timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null; }

# sends $2 to 127.0.0.1:$1 and prints the whole answer (empty on failure)
tcp_ask() { timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && printf "%b" "$1" >&3 && cat <&3' "$1" "$2" 2>/dev/null || true; }

# A pid counts as running unless it is gone or a zombie: PID 1 here may never reap
# orphans, so `kill -0` alone would report a stopped server as alive.
running() {
  local state
  [ -r "/proc/$1/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1) || return 1
  [ "$state" != Z ] && [ "$state" != X ]
}

# running, and its command line mentions $2 (so we never signal someone else's process)
running_here() { running "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"; }

absolute_dir() { mkdir -p "$1" && (cd "$1" && pwd -P); }

pid_in() { [ -s "$1" ] && tr -dc 0-9 <"$1"; }

# TERM, then KILL after 15 s; returns once the pid is gone. $2 = marker for running_here.
stop_pid() {
  local pid=$1 marker=$2 i
  running_here "$pid" "$marker" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do running "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do running "$pid" || return 0; sleep 0.1; done
  fail "pid $pid did not exit"
}

# With SERVICE_OWNER_PID set, stops server $1 (marker $2) once that process is
# gone: a test runner killed before its clean-up (a bail, a timeout, Ctrl-C)
# must not leave servers behind. The watcher is a detached loop that ends with
# the server; its stdio goes nowhere so that callers reading ours return.
watch_owner() {
  local pid=$1 marker=$2 owner=${SERVICE_OWNER_PID:-}
  [ -n "$owner" ] || return 0
  [[ "$owner" =~ ^[0-9]+$ ]] || fail "bad SERVICE_OWNER_PID: $owner"
  (
    trap '' INT HUP
    while running "$owner" && running_here "$pid" "$marker"; do sleep 1; done
    if running_here "$pid" "$marker"; then kill -TERM "$pid" 2>/dev/null || true; fi
  ) </dev/null >/dev/null 2>&1 &
}

# waits up to $1 seconds for `$2` (a function name, args follow) to succeed while pid $3 runs
wait_ready() {
  local seconds=$1 pid=$2 i; shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    running "$pid" || return 2
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

do_stop() {
  [ $# -eq 1 ] || usage
  [ -d "$1" ] || return 0
  local dir pid
  dir=$(cd "$1" && pwd -P)
  pid=$(pid_in "$dir/$PID_FILE" || true)
  [ -n "$pid" ] || return 0
  stop_pid "$pid" "$(marker "$dir")"
  rm -f "$dir/$PID_FILE"
}

do_status() {
  [ $# -eq 1 ] || usage
  [ -d "$1" ] || exit 1
  local dir pid port
  dir=$(cd "$1" && pwd -P)
  pid=$(pid_in "$dir/$PID_FILE" || true)
  port=$(configured_port "$dir")
  [ -n "$pid" ] && [ -n "$port" ] && running_here "$pid" "$(marker "$dir")" && serving "$port" || exit 1
  echo "127.0.0.1:$port"
}

usage() { sed -n "${USAGE_LINES}p" "$0" | cut -c3- >&2; exit 2; }

dispatch() {
  local command=${1:-}
  shift || true
  case "$command" in
    install) do_install ;;
    start) do_start "$@" ;;
    stop) do_stop "$@" ;;
    status) do_status "$@" ;;
    *) usage ;;
  esac
}

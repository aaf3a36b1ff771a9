#!/usr/bin/env bash
# zookeeper.sh - a disposable standalone ZooKeeper 3.8 (Debian package) on 127.0.0.1,
# used by the registry tests and examples.
#
#   zookeeper.sh install           install the Debian package when missing
#   zookeeper.sh start PORT DIR    run ZooKeeper in the background with its files in DIR;
#                                  prints 127.0.0.1:PORT once it serves requests
#   zookeeper.sh stop DIR          stop the server started in DIR (no-op when none runs)
#   zookeeper.sh status DIR        prints 127.0.0.1:PORT and exits 0 when it serves, else exits 1
#
# Environment: ZK_TICK_TIME (ms, 2000), ZK_MIN_SESSION_TIMEOUT (ms, 2 ticks),
#   ZK_MAX_SESSION_TIMEOUT (ms, 30000), ZK_HEAP_MAX (256m), ZK_START_TIMEOUT (s, 60),
#   SERVICE_OWNER_PID (stop the server once that process is gone; unset: keep it).
# Files in DIR: zoo.cfg, log4j.properties, zookeeper.log, zookeeper.pid, zk-data/.
set -euo pipefail
SERVICE_NAME=zookeeper.sh
PID_FILE=zookeeper.pid
USAGE_LINES=4,10
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

JARS=(/usr/share/java/zookeeper.jar /usr/share/java/slf4j-log4j12.jar /usr/share/java/log4j-1.2.jar)

installed() {
  local jar
  for jar in "${JARS[@]}"; do [ -r "$jar" ] || return 1; done
  command -v java >/dev/null 2>&1
}

do_install() {
  installed && return 0
  # The package alone logs nothing (no SLF4J binding): add slf4j-log4j12 + log4j 1.2.
  apt_install_quietly zookeeper libslf4j-java liblog4j1.2-java
  installed || fail "installed, but the ZooKeeper jars or java are missing"
}

# `ruok` answers before the server accepts sessions; `srvr` saying standalone means it does.
serving() { [[ "$(tcp_ask "$1" srvr)" == *"Mode: standalone"* ]]; }

configured_port() { sed -n 's/^clientPort=//p' "$1/zoo.cfg" 2>/dev/null | head -n 1; }

marker() { echo "$1/zoo.cfg"; }

write_config() {
  local dir=$1 port=$2 tick=${ZK_TICK_TIME:-2000}
  cat >"$dir/zoo.cfg" <<CFG
tickTime=$tick
initLimit=10
syncLimit=5
dataDir=$dir/zk-data
clientPort=$port
clientPortAddress=127.0.0.1
maxClientCnxns=0
minSessionTimeout=${ZK_MIN_SESSION_TIMEOUT:-$((tick * 2))}
maxSessionTimeout=${ZK_MAX_SESSION_TIMEOUT:-30000}
admin.enableServer=false
4lw.commands.whitelist=srvr,stat,ruok,cons,mntr
autopurge.purgeInterval=0
CFG
  printf '%s\n' 'log4j.rootLogger=INFO, OUT' 'log4j.appender.OUT=org.apache.log4j.ConsoleAppender' \
    'log4j.appender.OUT.layout=org.apache.log4j.PatternLayout' \
    'log4j.appender.OUT.layout.ConversionPattern=%d{ISO8601} %-5p %c{1} - %m%n' >"$dir/log4j.properties"
}

launch() {
  local dir=$1 cp
  cp=$(IFS=:; echo "${JARS[*]}")
  # setsid: Ctrl-C in a test runner must not reach the server; stdio to the log so that
  # a caller reading our stdout ($(...), execFileSync) returns as soon as we print.
  (
    cd "$dir"
    exec setsid java -Xms16m "-Xmx${ZK_HEAP_MAX:-256m}" -Xss512k -XX:+UseSerialGC \
      -XX:TieredStopAtLevel=1 -XX:-UsePerfData -XX:+ExitOnOutOfMemoryError \
      -Djava.net.preferIPv4Stack=true -Dzookeeper.admin.enableServer=false \
      -Dzookeeper.forceSync=no -Dzookeeper.preAllocSize=4096 \
      "-Dlog4j.configuration=file:$dir/log4j.properties" \
      -cp "$cp" org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg"
  ) </dev/null >"$dir/zookeeper.log" 2>&1 &
  echo $!
}

do_start() {
  [ $# -eq 2 ] || usage
  local port=$1 dir pid rc=0
  valid_port "$port" || fail "bad port: $port"
  installed || fail "not installed; run '$0 install' first"
  dir=$(absolute_dir "$2")
  pid=$(pid_in "$dir/$PID_FILE" || true)
  if [ -n "$pid" ] && running_here "$pid" "$(marker "$dir")"; then
    if [ "$(configured_port "$dir")" = "$port" ] && serving "$port"; then echo "127.0.0.1:$port"; return 0; fi
    fail "a server already runs in $dir (pid $pid)"
  fi
  ! port_taken "$port" || fail "127.0.0.1:$port is already in use"
  mkdir -p "$dir/zk-data"
  write_config "$dir" "$port"
  pid=$(launch "$dir")
  echo "$pid" >"$dir/$PID_FILE"
  wait_ready "${ZK_START_TIMEOUT:-60}" "$pid" serving "$port" || rc=$?
  if [ "$rc" -eq 0 ]; then watch_owner "$pid" "$(marker "$dir")"; echo "127.0.0.1:$port"; return 0; fi
  tail -n 20 "$dir/zookeeper.log" >&2 || true
  stop_pid "$pid" "$(marker "$dir")"
  rm -f "$dir/$PID_FILE"
  fail "ZooKeeper did not come up on 127.0.0.1:$port (log: $dir/zookeeper.log)"
}

dispatch "$@"

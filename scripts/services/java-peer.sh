#!/usr/bin/env bash
# java-peer.sh - what the Java interop test (test/rpc/interop-java.test.ts) needs: a JDK (java and
# javac) and Caucho Hessian 4.0.38, the library Java Dubbo's hessian-lite was forked from, both
# from Debian packages. The test compiles its own small Dubbo peer with them at test time.
#
#   java-peer.sh install   install default-jdk-headless and libhessian-java when missing
#   java-peer.sh jar       prints the Hessian jar's path (exits 1 when it is missing)
set -euo pipefail
SERVICE_NAME=java-peer.sh
USAGE_LINES=6,7
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

HESSIAN_JARS=(/usr/share/java/hessian.jar /usr/share/java/hessian-4.0.38.jar)

hessian_jar() {
  local jar
  for jar in "${HESSIAN_JARS[@]}"; do [ -r "$jar" ] && { echo "$jar"; return 0; }; done
  return 1
}

have_jdk() { command -v java >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; }

do_install() {
  local packages=()
  have_jdk || packages+=(default-jdk-headless)
  hessian_jar >/dev/null || packages+=(libhessian-java)
  [ ${#packages[@]} -eq 0 ] && return 0
  apt_install_quietly "${packages[@]}"
  have_jdk || fail "installed, but java or javac is missing"
  hessian_jar >/dev/null || fail "installed, but the Hessian jar is missing"
}

case "${1:-}" in
  install) do_install ;;
  jar) hessian_jar ;;
  *) usage ;;
esac

#!/usr/bin/env bash
# Installs the Debian packages Siyana needs (gettext, fping, snmp, snmpd, iproute2), only those that are missing (CI and fresh machines).
set -euo pipefail
need=()
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
# the poller's tests and benchmarks: real agents (net-snmp's snmpd), the peers (fping,
# net-snmp's CLI) and network namespaces (iproute2)
command -v fping >/dev/null 2>&1 || need+=(fping)
command -v snmpget >/dev/null 2>&1 || need+=(snmp)
[ -x /usr/sbin/snmpd ] || need+=(snmpd)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "system-deps: installing ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"

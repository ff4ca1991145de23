#!/usr/bin/env bash
# Installs the Debian packages Siyana needs (gettext, fping, snmp, snmpd, iproute2, WeasyPrint's pango and
# harfbuzz, the Noto fonts, poppler-utils, chromium, nodejs/npm), only those that are missing (CI and fresh machines).
set -euo pipefail
need=()
command -v msgfmt >/dev/null 2>&1 || need+=(gettext)
# the poller's tests and benchmarks: real agents (net-snmp's snmpd), the peers (fping,
# net-snmp's CLI) and network namespaces (iproute2)
command -v fping >/dev/null 2>&1 || need+=(fping)
command -v snmpget >/dev/null 2>&1 || need+=(snmp)
[ -x /usr/sbin/snmpd ] || need+=(snmpd)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
# PDF (core.pdf, WeasyPrint): pango lays out and shapes the text (Arabic too), harfbuzz-subset
# embeds only the glyphs used; fonts-noto-core brings Noto Naskh/Sans Arabic and Noto Sans, the
# only fonts our print pages use; poppler-utils (pdftotext, pdftoppm) reads PDFs back in tests.
# (grep reads all of ldconfig's output: with pipefail, grep -q could SIGPIPE it and report "missing")
have_lib() { ldconfig -p 2>/dev/null | grep -F "$1" >/dev/null; }
have_lib libpango-1.0.so.0 || need+=(libpango-1.0-0)
have_lib libpangoft2-1.0.so.0 || need+=(libpangoft2-1.0-0)
have_lib libharfbuzz-subset.so.0 || need+=(libharfbuzz-subset0)
[ -f /usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf ] || need+=(fonts-noto-core)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
# npm installs the browser tests' axe-core (package.json; the Makefile's setup runs `npm ci`)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
# the reports' charts as PNG for the PDF: kaleido 1.x drives Debian's headless Chromium (reports/charts_png.py)
# and the tablet's browser tests (tests/ui: Playwright drives /usr/bin/chromium; Arabic needs fonts-noto-core above)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "system-deps: installing ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"

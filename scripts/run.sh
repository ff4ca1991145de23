#!/usr/bin/env bash
# `make run`: the demo's simulated SNMP agents, the poller, the notification sender, the daily
# generation of planned visits and the web server, together. Ctrl-C (or any of them stopping) stops all of them.
set -uo pipefail
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

"$PY" manage.py demo_snmp_agent & pids+=($!)
"$PY" manage.py poll & pids+=($!)
"$PY" manage.py send_notifications & pids+=($!)
"$PY" manage.py generate_visits --loop & pids+=($!)
"$(dirname "$PY")/gunicorn" -c docker/gunicorn.conf.py siyana.wsgi --bind "$HOST:$PORT" & pids+=($!)
echo "Siyana: http://$HOST:$PORT/  — the poller is watching the demo network; Ctrl-C stops everything"
wait -n

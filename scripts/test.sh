#!/usr/bin/env bash
# The whole suite: once on the embedded default (SQLite), once more on PostgreSQL when
# the server at $PG_TEST_URL answers. pytest's "no tests ran" (exit 5) is a failure here.
set -uo pipefail
PY=${PY:-.venv/bin/python}
PG_TEST_URL=${PG_TEST_URL:-postgres://postgres@127.0.0.1:5432/siyana}

run_pytest() {
  "$PY" -m pytest "$@"
  local rc=$?
  if [ "$rc" -eq 5 ]; then
    echo "test.sh: pytest collected no test — that is a failure" >&2
    return 1
  fi
  return "$rc"
}

echo "== test suite on SQLite (the embedded default)"
run_pytest || exit 1

if "$PY" - "$PG_TEST_URL" <<'PYEOF'
import sys
import psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=3).close()
except Exception as exc:
    print(f"test.sh: PostgreSQL pass SKIPPED — {sys.argv[1]} did not answer: {exc}".strip())
    sys.exit(1)
PYEOF
then
  echo "== test suite on PostgreSQL ($PG_TEST_URL)"
  DATABASE_URL="$PG_TEST_URL" run_pytest -m "not browser" || exit 1
fi

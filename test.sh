#!/usr/bin/env bash
# ./test.sh [PYTEST ARGS...] — set up (scripts/bootstrap.sh --with-browser), then run every test:
#   .venv/bin/python -m pytest [PYTEST ARGS...]
# Exits with pytest's code; pytest's 5 (no tests collected) is a failure too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

echo "[test] step 1/2: setting up (scripts/bootstrap.sh --with-browser)"
./scripts/bootstrap.sh --with-browser
echo "[test] step 2/2: .venv/bin/python -m pytest${*:+ $*}"
rc=0
.venv/bin/python -m pytest "$@" || rc=$?
case "$rc" in
  0) ;;
  5) echo "[test] FAILED: pytest collected no tests (exit 5)" >&2 ;;
  *) echo "[test] FAILED: pytest exited with $rc" >&2 ;;
esac
exit "$rc"

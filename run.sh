#!/usr/bin/env bash
# ./run.sh [ARGS...] — set up (scripts/bootstrap.sh), then run the main job:
#   .venv/bin/perfkit batch parameters --out reports [ARGS...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

echo "[run] step 1/2: setting up (scripts/bootstrap.sh)"
./scripts/bootstrap.sh
echo "[run] step 2/2: .venv/bin/perfkit batch parameters --out reports${*:+ $*}"
exec .venv/bin/perfkit batch parameters --out reports "$@"

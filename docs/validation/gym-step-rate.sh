#!/usr/bin/env bash
# Gymnasium env.step rate from Python on Examples/nasaic-two-tasks (issue 18: >= 2,000 steps/s),
# against the release build of duet, with a breakdown of where a step's time goes.
#   docs/validation/gym-step-rate.sh [--seconds S] [--seed N] [--json]
# Builds duet (release), makes .venv-test (make python-venv) and runs gym_step_rate.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product duet 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]|^(Compiling|Emitting|Write|Linking|Building)' || true
[ -x .build/release/duet ] || { echo "error: the release build of duet failed" >&2; exit 1; }
make --no-print-directory python-venv
DUET_BIN="$PWD/.build/release/duet" .venv-test/bin/python docs/validation/gym_step_rate.py "$@"

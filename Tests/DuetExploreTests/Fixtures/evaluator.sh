#!/bin/sh
# Test evaluator: reads the design JSON on stdin. Behaviour chosen by DUET_TEST_MODE:
# ok (prints an accuracy), crash (exits 3), hang (sleeps past the timeout), garbage (prints text).
input=$(cat)
case "${DUET_TEST_MODE:-ok}" in
  ok) n=$(printf '%s' "$input" | wc -c); echo "{\"accuracy\": $((n % 97)), \"train_hours\": 0.5}" ;;
  crash) echo "boom" >&2; exit 3 ;;
  hang) sleep 5; echo '{"accuracy": 1}' ;;
  garbage) echo "this is not json" ;;
esac

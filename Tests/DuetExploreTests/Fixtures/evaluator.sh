#!/bin/sh
# Test evaluator: reads the design JSON on stdin. Behaviour chosen by DUET_TEST_MODE:
# ok (prints an accuracy), crash (exits 3), hang (sleeps past the timeout), garbage (prints text),
# training (behaves like a real training script: progress lines on stdout, 100 MB of logs on
# stderr, a data-loader child that outlives it holding stdout open, then the JSON answer),
# noread (exits 1 without reading its input), orphans (starts children, one ignoring SIGTERM, and
# hangs; their pids are appended to $DUET_TEST_PIDS).
case "${DUET_TEST_MODE:-ok}" in
  noread) exit 1 ;;
  orphans)
    echo $$ >> "$DUET_TEST_PIDS"
    sleep 300 & echo $! >> "$DUET_TEST_PIDS"
    sh -c 'trap "" TERM; sleep 300 & echo $! >> "$DUET_TEST_PIDS"; wait' &
    sleep 300 ;;
esac
input=$(cat)
case "${DUET_TEST_MODE:-ok}" in
  ok) n=$(printf '%s' "$input" | wc -c); echo "{\"accuracy\": $((n % 97)), \"train_hours\": 0.5}" ;;
  crash) echo "boom" >&2; exit 3 ;;
  hang) sleep 5; echo '{"accuracy": 1}' ;;
  garbage) echo "this is not json" ;;
  training)
    sleep 300 &
    echo "epoch 1/2 loss 1.93"
    head -c 100000000 /dev/zero | tr '\0' 'w' >&2
    echo "epoch 2/2 loss 0.71 {partial"
    n=$(printf '%s' "$input" | wc -c); echo "{\"accuracy\": $((n % 97)), \"train_hours\": 0.5}" ;;
esac

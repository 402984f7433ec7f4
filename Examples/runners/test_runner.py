#!/usr/bin/env python3
"""A small runner for testing `duet table generate --runner` (the runner protocol).

Reads one operator description as JSON on stdin and prints {"latency_ms", "std_ms", "runs"}.
The latency is a deterministic function of the operator (output elements x kernel^2 / 1e6 ms),
so tests can check the numbers. Misbehaviour on request, for the failure paths:
  --crash KIND   exit with status 3 (after a message on stderr) for operators of this kind
  --hang KIND    sleep 60 s for operators of this kind (past any test timeout)
  --garbage KIND print something that is not the reply for operators of this kind
Only the Python standard library is used.
"""
import json
import sys
import time


def main():
    args = sys.argv[1:]
    flags = {args[i]: args[i + 1] for i in range(0, len(args) - 1, 2)}
    op = json.loads(sys.stdin.read())
    kind = op["kind"]
    if flags.get("--crash") == kind:
        print("test runner: simulated crash", file=sys.stderr)
        sys.exit(3)
    if flags.get("--hang") == kind:
        time.sleep(60)
    if flags.get("--garbage") == kind:
        print("latency is about 3 ms, I think")
        return
    elements = 1
    for d in op["output"]:
        elements *= d
    k = max(op["kernel"], 1)
    print(json.dumps({"latency_ms": elements * k * k / 1e6, "std_ms": 0.001, "runs": 10}))


if __name__ == "__main__":
    main()

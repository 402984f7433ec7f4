#!/usr/bin/env python3
"""A small runner for testing `duet table generate --runner` (the runner protocol).

Reads one operator description as JSON on stdin and prints {"latency_ms", "std_ms", "runs"}.
The latency is a deterministic function of the operator (output elements x kernel^2 / 1e6 ms),
so tests can check the numbers. Misbehaviour on request, for the failure paths:
  --crash KIND   exit with status 3 (after a message on stderr) for operators of this kind
  --hang KIND    sleep 60 s for operators of this kind (past any test timeout)
  --garbage KIND print something that is not the reply for operators of this kind
  --graph-garbage 1  print something that is not the reply for graph requests

A synthetic device for `duet table detect-rules` (graph requests, {"graph": [op, ...]}):
  --fuse RULES   comma-separated rules the device applies (conv_bn, conv_act, add_act,
                 inverted_residual): a fused chain costs less than its parts (see graph_ms)
  --noise F      relative Gaussian noise of each reply (default 0: exact)
  --seed N       seed of the noise (default 0)
  --state DIR    a directory where the runner counts its calls, so that each call draws fresh
                 noise while a run stays reproducible (needed with --noise)
On this device an operator costs compute (MACs / 2e7 ms) plus memory (elements read and
written / 1e6 ms). Fusing a pair removes the secondary operator's memory traffic and 90 % of its
compute; a fused inverted-residual block also keeps its middle tensors on chip (their reads and
writes are free). Operators are timed exactly as without graph requests.
Only the Python standard library is used.
"""
import json
import os
import random
import sys
import time
import zlib

ELEMENTWISE = ("bn", "act", "add", "mul")


def elements(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def op_cost(op):
    """(compute ms, memory ms) of one operator on the synthetic device."""
    out = elements(op["output"])
    k = max(op.get("kernel", 0), 1)
    if op["kind"] == "conv":
        cin = op["input"][-1]
        macs = out * k * k * cin // max(op.get("groups", 1), 1)
    else:
        macs = out
    reads = elements(op["input"]) * max(op.get("operands", 1), 1)
    return macs / 2e7, (reads + out) / 1e6


def graph_ms(ops, fuse):
    """A chain's time: the parts' sum less what the device's fusion rules save."""
    costs = [op_cost(o) for o in ops]
    total = sum(c + m for c, m in costs)
    kinds = [o["kind"] for o in ops]
    if "inverted_residual" in fuse and kinds == ["conv"] * len(kinds) and len(ops) >= 3 and any(o.get("groups", 1) > 1 for o in ops):
        total -= sum(2 * elements(o["output"]) / 1e6 for o in ops[:-1])
    for a, b in zip(ops, ops[1:]):
        rule = {("conv", "bn"): "conv_bn", ("conv", "act"): "conv_act", ("add", "act"): "add_act"}.get((a["kind"], b["kind"]))
        if rule in fuse:
            c, m = op_cost(b)
            total -= m + 0.9 * c
    return max(total, 0.0)


def noisy(value, flags, request):
    """value with the relative noise --noise, drawn from --seed, the request and the call count."""
    f = float(flags.get("--noise", 0))
    if f <= 0:
        return value, 0.001
    calls = 0
    state = flags.get("--state")
    if state:
        path = os.path.join(state, "calls")
        calls = int(open(path).read()) if os.path.exists(path) else 0
        with open(path, "w") as fh:
            fh.write(str(calls + 1))
    rng = random.Random(int(flags.get("--seed", 0)) * 1_000_003 + zlib.crc32(request.encode()) + calls * 7919)
    return max(value * (1 + rng.gauss(0, f)), 0.0), value * f


def main():
    args = sys.argv[1:]
    flags = {args[i]: args[i + 1] for i in range(0, len(args) - 1, 2)}
    text = sys.stdin.read()
    op = json.loads(text)
    if "graph" in op:
        if flags.get("--graph-garbage") == "1":
            print("no idea what a graph is")
            return
        fuse = set(filter(None, flags.get("--fuse", "").split(",")))
        ms, std = noisy(graph_ms(op["graph"], fuse), flags, text)
        print(json.dumps({"latency_ms": ms, "std_ms": std, "runs": 10}))
        return
    kind = op["kind"]
    if flags.get("--crash") == kind:
        print("test runner: simulated crash", file=sys.stderr)
        sys.exit(3)
    if flags.get("--hang") == kind:
        time.sleep(60)
    if flags.get("--garbage") == kind:
        print("latency is about 3 ms, I think")
        return
    if "--fuse" in flags:
        ms, std = noisy(graph_ms([op], set()), flags, text)
        print(json.dumps({"latency_ms": ms, "std_ms": std, "runs": 10}))
        return
    k = max(op["kernel"], 1)
    print(json.dumps({"latency_ms": elements(op["output"]) * k * k / 1e6, "std_ms": 0.001, "runs": 10}))


if __name__ == "__main__":
    main()

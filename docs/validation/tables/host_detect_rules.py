"""`duet table detect-rules` on this host's CPU with the onnxruntime runner (issue 14, item 1).

Runs the CLI twice: onnxruntime with its default graph optimizations (`--graph-optimization all`:
its Conv+BatchNorm and Conv+activation fusions should be found) and with them disabled
(`--graph-optimization disable`: nothing fused, the control). Writes both JSON replies, the
onnxruntime version, the CPU and the wall time to the output file and prints the tables.

Usage: swift build --product duet   (or -c release)
       python3 docs/validation/tables/host_detect_rules.py [--duet .build/debug/duet]
       [--python PY-with-onnxruntime] [--out docs/validation/tables/host_detect_rules.json]
Needs onnx, onnxruntime and numpy in the runner's Python (validation only).
"""
import argparse, json, os, platform, subprocess, sys, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duet", default=".build/debug/duet")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    version = subprocess.run([a.python, "-c", "import onnxruntime; print(onnxruntime.__version__)"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    result = {"onnxruntime": version, "cpu": cpu, "runs_per_call": a.runs, "modes": {}}
    for mode in ("all", "disable"):
        runner = f"{a.python} Examples/runners/onnxruntime_runner.py --runs {a.runs} --warmup 10 --graph-optimization {mode}"
        t = time.time()
        p = subprocess.run([a.duet, "table", "detect-rules", "--runner", runner, "--format", "json"], capture_output=True, text=True)
        wall = time.time() - t
        if p.returncode != 0:
            sys.exit(f"detect-rules failed ({p.returncode}): {p.stderr}")
        reply = json.loads(p.stdout)
        result["modes"][mode] = {"wall_seconds": wall, "reply": reply}
        print(f"## onnxruntime {version}, graph optimization {mode}: fusion: {reply['fusion']} ({wall:.0f} s)")
        print("| rule | graph ms | parts ms | saving ms ± se | threshold ms | rounds | verdict |")
        print("|---|---|---|---|---|---|---|")
        for c in reply["cases"]:
            se = c["saving_stderr_ms"]
            verdict = ("fused" if c["fused"] else "not fused") + ("" if c["clear"] else " (unclear)")
            print(f"| {c['rule']} | {c['graph_ms']:.4f} | {' + '.join(f'{v:.4f}' for v in c['parts_ms'])} | "
                  f"{c['saving_ms']:.4f} ± {se if se is None else f'{se:.4f}'} | {c['threshold_ms']:.4f} | {c['rounds']} | {verdict} |", flush=True)
    if a.out:
        json.dump(result, open(a.out, "w"), indent=1)


if __name__ == "__main__":
    main()

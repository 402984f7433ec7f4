#!/usr/bin/env python3
"""Runs the robustness corpus (Tests/duetTests/Robustness/cases.json) through a built duet and
prints, per case, the exit code, the seconds taken and whether every expected message part was
present; then the totals quoted in docs/VALIDATION.md ("Robustness (issue 16)").
usage: docs/validation/robustness.py [path/to/duet]   (default .build/debug/duet; run from the repo root)"""
import json, os, subprocess, sys, tempfile, time

duet = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/duet"
here = "Tests/duetTests/Robustness"
cases = json.load(open(os.path.join(here, "cases.json")))["cases"]
env = dict(os.environ, DUET_HOME=os.getcwd())
bad, slowest = [], (0.0, "")
for c in cases:
    with tempfile.TemporaryDirectory() as tmp:
        args = [a.replace("{in}", os.path.join(here, "inputs")).replace("{tmp}", tmp) for a in c["args"]]
        t = time.monotonic()
        try:
            p = subprocess.run([duet] + args, capture_output=True, text=True, timeout=10, env=env, stdin=subprocess.DEVNULL)
            code, err = p.returncode, p.stderr
        except subprocess.TimeoutExpired:
            code, err = "hang", ""
        s = time.monotonic() - t
    missing = [m for m in c["expect"] if m not in err]
    ok = code == c["exit"] and not missing and s < 2 and len(err) <= c.get("max_stderr", 10**9)
    slowest = max(slowest, (s, c["name"]))
    print(f"{'ok ' if ok else 'BAD'} exit={code} {s:5.2f}s  {c['name']}" + (f"  missing: {missing}" if missing else ""))
    if not ok: bad.append(c["name"])
print(f"\n{len(cases)} cases, {len(cases) - len(bad)} as expected, {len(bad)} not; slowest {slowest[0]:.2f} s ({slowest[1]})")
sys.exit(1 if bad else 0)

"""Optuna's RDBStorage throughput on PostgreSQL: the peer figure for issue 12's coordination target.

N worker processes share one Optuna study in PostgreSQL (RDBStorage, RandomSampler, a trivial
objective: suggest one float and return it) and each runs `optimize` for trials/N trials. Prints one
JSON line: trials stored per second of wall time, from the moment all workers are ready (a barrier)
to the last one finishing. Usage:
    python optuna_rdb_throughput.py postgresql+psycopg2://USER:PW@HOST:PORT/DB --trials 2000 --workers 4
"""
import argparse
import json
import multiprocessing as mp
import time

import optuna


def objective(trial):
    return trial.suggest_float("x", 0.0, 1.0)


def worker(url, name, n, barrier, out):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=name, storage=url, sampler=optuna.samplers.RandomSampler(seed=None))
    barrier.wait()
    t0 = time.time()
    study.optimize(objective, n_trials=n)
    out.put((t0, time.time()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--trials", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=4)
    a = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = f"bench-{int(time.time() * 1000)}"
    optuna.create_study(study_name=name, storage=a.url, direction="minimize")
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(a.workers), ctx.Queue()
    per = a.trials // a.workers
    procs = [ctx.Process(target=worker, args=(a.url, name, per, barrier, out)) for _ in range(a.workers)]
    for p in procs:
        p.start()
    spans = [out.get() for _ in procs]
    for p in procs:
        p.join()
    done = len(optuna.load_study(study_name=name, storage=a.url).get_trials(deepcopy=False))
    seconds = max(e for _, e in spans) - min(s for s, _ in spans)
    print(json.dumps({"benchmark": "optuna-rdb", "optuna": optuna.__version__, "workers": a.workers,
                      "trials": per * a.workers, "completed": done, "seconds": seconds,
                      "trials_per_second": per * a.workers / seconds}))


if __name__ == "__main__":
    main()

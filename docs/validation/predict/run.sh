#!/usr/bin/env bash
# Reproduces the predictor figures of docs/VALIDATION.md ("Predictors", issue 13):
#   predictor.json          held-out Kendall τ on NAS-Bench-201 (5 seeded splits, 100 and 1,000
#                           training networks, CIFAR-10 and CIFAR-100; one-hot vs structural
#                           features), fit time for 1,000 networks, prediction throughput (1 thread)
#   predictor_models.json   the same for the linear and ensemble models (structural features)
#   sample_efficiency.json  real evaluations to within 0.3 points of the exact optimum (CIFAR-100,
#                           Pixel 3 latency budgets at the 20th/50th percentile), 20 seeds
# Usage: docs/validation/predict/run.sh [all|predictor|models|sample]   (from the repository root)
# Needs ../shared/data/nb201 (or DUET_DATA=/path/to/data).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=docs/validation/predict
what=${1:-all}
swift build -c release --product duet-bench >&2
bench=.build/release/duet-bench
if [[ $what == all || $what == predictor ]]; then
  $bench predictor --targets cifar10_test_acc,cifar100_test_acc --train 100,1000 --seeds 1-5 \
    --features onehot,structural --models gbdt > $out/predictor.json
fi
if [[ $what == all || $what == models ]]; then
  $bench predictor --targets cifar10_test_acc,cifar100_test_acc --train 100,1000 --seeds 1-5 \
    --features structural --models linear,ensemble > $out/predictor_models.json
fi
if [[ $what == all || $what == sample ]]; then
  $bench sample-efficiency --seeds 1-20 --percentiles 20,50 \
    --optimizers random,evolution,nsga2,surrogate-nsga2 > $out/sample_efficiency.json
  # The plain optimizers at the exploration default population (50).
  $bench sample-efficiency --seeds 1-20 --percentiles 20,50 --population 50 \
    --optimizers evolution,nsga2 > $out/sample_efficiency_population50.json
fi

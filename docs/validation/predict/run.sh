#!/usr/bin/env bash
# Reproduces the predictor figures of docs/VALIDATION.md ("Predictors", issue 13):
#   predictor.json          held-out Kendall τ on NAS-Bench-201 (5 seeded splits, 100 and 1,000
#                           training networks, CIFAR-10 and CIFAR-100; one-hot vs structural
#                           features), fit time for 1,000 networks, prediction throughput (1 thread)
#   predictor_models.json   the same for the linear and ensemble models (structural features)
#   sample_efficiency.json  real evaluations to within 0.3 points of the exact optimum (CIFAR-100,
#                           Pixel 3 latency budgets at the 20th/50th percentile), 20 seeds, population 20;
#                           surrogate NSGA-II with the bench's defaults (latency exact from the table,
#                           accuracy predicted; pool of 4,000 candidates, 5 real evaluations per generation)
#   sample_efficiency_population50.json   the same at population 50
#   sample_efficiency_ablation.json       the surrogate without each of its parts (population 20)
# Usage: docs/validation/predict/run.sh [all|predictor|models|sample|ablation]   (from the repository root)
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
    --optimizers random,evolution,surrogate-evolution,nsga2,surrogate-nsga2 > $out/sample_efficiency.json
  # At the exploration default population (50): the surrogate's base NSGA-II breeds from 50.
  $bench sample-efficiency --seeds 1-20 --percentiles 20,50 --population 50 \
    --optimizers evolution,nsga2,surrogate-nsga2 > $out/sample_efficiency_population50.json
fi
if [[ $what == all || $what == ablation ]]; then
  # Each part of the surrogate search taken away in turn (population 20, 20 seeds): the earlier
  # screening (no exact latency, no pool, whole generations), then one part at a time.
  {
    echo '{"earlier": '
    $bench sample-efficiency --seeds 1-20 --optimizers surrogate-nsga2 --no-exact-latency --batch 0 --pool 0
    echo ', "no_exact_latency": '
    $bench sample-efficiency --seeds 1-20 --optimizers surrogate-nsga2 --no-exact-latency
    echo ', "no_pool": '
    $bench sample-efficiency --seeds 1-20 --optimizers surrogate-nsga2 --pool 0
    echo ', "whole_generations": '
    $bench sample-efficiency --seeds 1-20 --optimizers surrogate-nsga2 --batch 0
    echo ', "ensemble_of_5_optimistic": '
    $bench sample-efficiency --seeds 1-20 --optimizers surrogate-nsga2 --members 5 --exploration 0.5
    echo '}'
  } > $out/sample_efficiency_ablation.json
fi

#!/usr/bin/env bash
# MAESTRO, SCALE-Sim and ZigZag on Duet's exports of ResNet-50 and MobileNetV2 (docs/VALIDATION.md,
# "MAESTRO, ZigZag, SCALE-Sim on Duet's exports"): re-run after a cost-model change with
#   docs/validation/peers_exports.sh            (all three; ~40 min on 2 shared cores, ZigZag most of it)
#   docs/validation/peers_exports.sh maestro    (or scalesim, zigzag: one peer)
# Peers are built or installed under ${DUET_PEERS:-$HOME/.cache/duet-peers} when missing
# (DUET_PEER_MIRROR=/work/.mirror clones MAESTRO from a local mirror). Uses $DUET, else
# .build/release/duet (built when missing). Each writes its CSVs beside its runner.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
which="${1:-all}"
case "$which" in
  maestro|all) "$HERE/maestro/run.sh" ;;&
  scalesim|all) "$HERE/scalesim/run_exports.sh" ;;&
  zigzag|all) "$HERE/zigzag/run_exports.sh" ;;
  maestro|scalesim) ;;
  *) echo "usage: $0 [all|maestro|scalesim|zigzag]" >&2; exit 2 ;;
esac

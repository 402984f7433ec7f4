#!/usr/bin/env bash
# Issue 15's anchor: ResNet-50 CB2a_2 on the Eyeriss-like design of Timeloop's exercises
# (Accelergy-Project/timeloop-accelergy-exercises at 778460f, 2022-09-19, the last commit before
# the v4 rewrite: workspace/baseline_designs/example_designs/eyeriss_like, 168 PEs, 45 nm),
# with timeloop-mapper + Accelergy as built by build.sh. Writes timeloop-mapper.* into
# ${OUT:-$DUET_PEERS/runs/anchor} and prints the summary. Mapper threads: MAPPER_THREADS
# (default 8, the exercise's setting).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DUET_PEERS=${DUET_PEERS:-$HOME/.cache/duet-peers}
# shellcheck disable=SC1091
source "$DUET_PEERS/timeloop-env.sh"
EX="$DUET_PEERS/src/timeloop-accelergy-exercises"
EX_REV=778460fb63ce6c3724b6fd6b5a0482bc5d8c2a25
if [[ ! -d "$EX/.git" ]]; then
  if [[ -n "${DUET_PEER_MIRROR:-}" ]]; then url="$DUET_PEER_MIRROR/Accelergy-Project+timeloop-accelergy-exercises/repo"
  else url=https://github.com/Accelergy-Project/timeloop-accelergy-exercises; fi
  git clone -q "$url" "$EX"
fi
git -C "$EX" -c advice.detachedHead=false checkout -q "$EX_REV"
D="$EX/workspace/baseline_designs/example_designs/eyeriss_like"
OUT=${OUT:-$DUET_PEERS/runs/anchor}
mkdir -p "$OUT"
sed "s/num-threads: 8/num-threads: ${MAPPER_THREADS:-8}/" "$D/mapper/mapper.yaml" > "$OUT/mapper.yaml"
cp "$DUET_PEERS/accelergy_config.yaml" "$OUT/accelergy_config.yaml"
cd "$OUT"
start=$(date +%s)
timeloop-mapper "$D/arch/eyeriss_like.yaml" "$D"/arch/components/*.yaml \
  "$D/constraints/eyeriss_like_arch_constraints.yaml" "$D/constraints/eyeriss_like_map_constraints.yaml" \
  "$OUT/mapper.yaml" "$HERE/anchor/ResNet50_CB2a_2.yaml" >"$OUT/mapper.out" 2>&1 || { tail -30 "$OUT/mapper.out"; exit 1; }
echo "timeloop-mapper took $(( $(date +%s) - start )) s"
cat "$OUT/timeloop-mapper.map.txt"
sed -n '/Summary Stats/,$p' "$OUT/timeloop-mapper.stats.txt"

#!/usr/bin/env bash
# Builds MAESTRO (https://github.com/maestro-project/maestro, MIT) from source with scons + Boost.
# Usage: docs/validation/maestro/build.sh        (~2 CPU-min; re-runnable: skips what is built)
# Installs under ${DUET_PEERS:-$HOME/.cache/duet-peers}/maestro (never inside the repository).
# Clones from GitHub; with DUET_PEER_MIRROR=/work/.mirror it clones the local mirror
# ($DUET_PEER_MIRROR/maestro-project+maestro/repo) instead. MAESTRO_COMMIT pins a commit.
# apt packages (scons, Boost program_options/filesystem/system headers) are installed only when missing.
set -euo pipefail
PEERS="${DUET_PEERS:-$HOME/.cache/duet-peers}"
DIR="$PEERS/maestro"
BIN="$DIR/maestro"
if [ -x "$BIN" ] && [ -z "${FORCE:-}" ]; then echo "maestro: already built at $BIN"; exit 0; fi

need=()
command -v scons >/dev/null || need+=(scons)
command -v g++ >/dev/null || need+=(g++)
for p in libboost-program-options-dev libboost-filesystem-dev libboost-system-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  echo "maestro: installing ${need[*]}"
  $SUDO apt-get install -y "${need[@]}"
fi

mkdir -p "$PEERS"
if [ ! -d "$DIR/.git" ]; then
  if [ -n "${DUET_PEER_MIRROR:-}" ]; then SRC="$DUET_PEER_MIRROR/maestro-project+maestro/repo"
  else SRC="https://github.com/maestro-project/maestro"; fi
  git clone -q "$SRC" "$DIR"
fi
if [ -n "${MAESTRO_COMMIT:-}" ]; then git -C "$DIR" checkout -q "$MAESTRO_COMMIT"; fi
cd "$DIR"
nice -n 10 scons -j "${JOBS:-1}" >/dev/null
test -x "$BIN"
echo "maestro: built $BIN at commit $(git -C "$DIR" rev-parse --short HEAD)"

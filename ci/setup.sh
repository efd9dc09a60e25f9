#!/usr/bin/env bash
# Installs what skbench needs on Debian bookworm (apt-get) and the project venv (.venv, pinned by
# golden/, bench/peers/ and python/requirements.txt). Idempotent: skips apt-get when every package is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build git python3 python3-venv python3-pip
          libgtest-dev libgmock-dev nlohmann-json3-dev libcli11-dev libbenchmark-dev libbenchmark-tools libtbb-dev libeigen3-dev
          libsqlite3-dev libpq-dev postgresql valgrind heaptrack linux-perf chromium clang-14 libclang-rt-14-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "ci/setup.sh: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

if [ ! -x .venv/bin/python ]; then
  echo "ci/setup.sh: creating .venv"
  python3 -m venv .venv
fi
# The peers' pins include the golden ones; python/requirements.txt: the package's build, test and Dask pins.
.venv/bin/python -m pip install -q --disable-pip-version-check -r bench/peers/requirements.txt -r python/requirements.txt

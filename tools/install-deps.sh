#!/usr/bin/env bash
# install-deps.sh - installs the Debian packages fewshot builds against, when any is missing.
# Run as root on Debian 12 (bookworm) or newer. Does nothing (and needs no network) when all are present.
set -euo pipefail
packages=(
  build-essential cmake pkg-config  # toolchain
  libcjson-dev                      # JSON: configs, checkpoints headers, annotations, tokenizer.json
  libcsv-dev                        # CSV output of `fewshot table`
  libstb-dev                        # stb headers
  libjpeg62-turbo-dev               # libjpeg-turbo: JPEG decoding bit-identical with Pillow
  libpng-dev zlib1g-dev             # PNG decoding with Pillow-exact modes (colour type, bit depth, tRNS)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

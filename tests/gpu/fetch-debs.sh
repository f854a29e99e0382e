#!/usr/bin/env bash
# tests/gpu/fetch-debs.sh - downloads the .deb files of fewshot's build dependencies (the packages of
# tools/install-deps.sh that a bare CUDA image may lack, with their shared libraries, and pkg-config)
# into tests/gpu/debs/, on a machine that reaches Debian's registry. A GPU machine that reaches none
# gets them by carrying that folder (git-ignored); tests/gpu/run.sh unpacks them into its build
# folder. Run from anywhere: bash tests/gpu/fetch-debs.sh   (about 3 MB; needs `apt-get update` done)
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p debs
cd debs
apt-get download libcjson1 libcjson-dev libcsv3 libcsv-dev libstb0 libstb-dev libjpeg62-turbo libjpeg62-turbo-dev \
  libpng16-16 libpng-dev zlib1g zlib1g-dev pkgconf pkgconf-bin libpkgconf3
ls -1 *.deb | wc -l | xargs printf 'fetch-debs: %s packages in tests/gpu/debs\n'

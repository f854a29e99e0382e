#!/usr/bin/env bash
# tests/gpu/run.sh - the GPU check in one go, for a borrowed GPU machine: configure and build with
# the CUDA backend, run the `gpu` tests (tests/gpu/), print a summary (card, per-test result, worst
# errors against their tolerances). Issue #8 extends it with the benchmark.
#
#   bash tests/gpu/run.sh [BUILD_DIR]          (default: build-gpu in the repository root)
#
# Needs nvcc (on PATH or in /usr/local/cuda/bin), cmake >= 3.24, a C compiler and the Debian build
# dependencies of tools/install-deps.sh. A device machine usually reaches no package registry: on a
# developer machine run `bash tests/gpu/fetch-debs.sh` first and carry tests/gpu/debs along; this
# script then unpacks those packages into BUILD_DIR/deps (nothing is installed system-wide). As
# root with a registry in reach it runs tools/install-deps.sh instead.
#
# Environment: FEWSHOT_GPU_OUT=DIR also copies the summary and the full log there;
# CUDA_ARCH=NN overrides CMAKE_CUDA_ARCHITECTURES (default 90: H100/H200); FEWSHOT_GPU_FORCE_DEBS=1
# uses the carried packages even where the system has its own (to test that path).
# Exit status: 0 every gpu test passed; 1 a test failed; 2 could not build (the message says what
# is missing); 3 built, but no usable CUDA device (the tests ran and skipped themselves).
# Time: about 1-2 minutes of build and 1-2 minutes of tests on a 16-core H100 machine.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build-gpu}"
mkdir -p "$BUILD"
BUILD="$(cd "$BUILD" && pwd)"
LOG="$BUILD/gpu-tests.log"
SUMMARY="$BUILD/gpu-summary.txt"
JOBS="$(nproc 2>/dev/null || echo 4)"
T0=$(date +%s)

say() { printf 'run.sh: %s\n' "$*" >&2; }
die() { # die CODE MESSAGE
  say "$2"
  exit "$1"
}
elapsed() { echo $(($(date +%s) - T0)); }

# ---------------------------------------------------------------- the card and the toolchain
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then export PATH="/usr/local/cuda/bin:$PATH"; fi
command -v nvcc >/dev/null 2>&1 || die 2 "nvcc not found (PATH, /usr/local/cuda/bin): install the CUDA toolkit"
command -v cmake >/dev/null 2>&1 || die 2 "cmake not found: install cmake >= 3.24"
command -v cc >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 || die 2 "no C compiler (cc/gcc) found"
CARD="none"
if command -v nvidia-smi >/dev/null 2>&1; then
  CARD="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)"
  [ -n "$CARD" ] || CARD="none (nvidia-smi found no GPU)"
else
  CARD="none (no nvidia-smi)"
fi
say "card: $CARD; $(nvcc --version | tail -1); cmake $(cmake --version | head -1 | awk '{print $3}'); $JOBS cores"

# ---------------------------------------------------------------- build dependencies
have_deps() {
  command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libcjson stb libjpeg libpng zlib 2>/dev/null &&
    { [ -n "${CSV_INC:-}" ] || [ -f /usr/include/csv.h ]; }
}
CMAKE_DEPS=()
DEBS="$ROOT/tests/gpu/debs"
if { ! have_deps || [ -n "${FEWSHOT_GPU_FORCE_DEBS:-}" ]; } && ls "$DEBS"/*.deb >/dev/null 2>&1; then
  # Unpack the carried packages into a private prefix and point pkg-config and CMake at it.
  P="$BUILD/deps"
  rm -rf "$P" && mkdir -p "$P"
  for f in "$DEBS"/*.deb; do
    if command -v dpkg-deb >/dev/null 2>&1; then
      dpkg-deb -x "$f" "$P" || die 2 "cannot unpack $f"
    else # no dpkg: a .deb is an ar archive holding data.tar.*
      m="$(ar t "$f" | grep '^data.tar')"
      case "$m" in *.xz) z=-J ;; *.zst) z=--zstd ;; *.gz) z=-z ;; *) z= ;; esac
      (cd "$P" && ar p "$f" "$m" | tar -x $z) || die 2 "cannot unpack $f"
    fi
  done
  ARCH_DIR="$(dirname "$(find "$P/usr/lib" -name 'libcjson.so*' | head -1)")"
  for pc in "$ARCH_DIR"/pkgconfig/*.pc; do
    sed -i -E "s#^(prefix|exec_prefix|libdir|includedir)=/usr#\\1=$P/usr#" "$pc"
  done
  export PATH="$P/usr/bin:$PATH"
  export LD_LIBRARY_PATH="$ARCH_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PKG_CONFIG_PATH="$ARCH_DIR/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  CSV_INC="$P/usr/include"
  CMAKE_DEPS=(-DCMAKE_PREFIX_PATH="$P/usr" -DCSV_INCLUDE_DIR="$P/usr/include" -DCSV_LIBRARY="$ARCH_DIR/libcsv.so")
  say "build dependencies: unpacked $(ls "$DEBS"/*.deb | wc -l) carried packages into $P"
fi
if ! have_deps && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  say "build dependencies missing: trying tools/install-deps.sh (needs a package registry)"
  timeout 120 bash "$ROOT/tools/install-deps.sh" >&2 || say "tools/install-deps.sh failed"
fi
if ! have_deps; then
  missing=""
  command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
  for m in libcjson stb libjpeg libpng zlib; do
    pkg-config --exists "$m" 2>/dev/null || missing="$missing $m"
  done
  [ -n "${CSV_INC:-}" ] || [ -f /usr/include/csv.h ] || missing="$missing libcsv"
  die 2 "build dependencies missing:$missing. Install them with tools/install-deps.sh (as root, with a package registry), or on a machine that has one run 'bash tests/gpu/fetch-debs.sh' and carry tests/gpu/debs here"
fi

# ---------------------------------------------------------------- configure and build
GEN=()
command -v ninja >/dev/null 2>&1 && [ ! -f "$BUILD/Makefile" ] && GEN=(-G Ninja)
# FEWSHOT_WERROR=OFF: this machine's compiler is not the one the code's warnings were checked with.
say "configuring $BUILD"
cmake -S "$ROOT" -B "$BUILD" "${GEN[@]}" -DFEWSHOT_CUDA=ON -DCMAKE_BUILD_TYPE=Release -DFEWSHOT_WERROR=OFF \
  ${CUDA_ARCH:+-DCMAKE_CUDA_ARCHITECTURES=$CUDA_ARCH} "${CMAKE_DEPS[@]}" >"$BUILD/configure.log" 2>&1 ||
  { tail -30 "$BUILD/configure.log" >&2; die 2 "configure failed (log: $BUILD/configure.log)"; }
say "building with $JOBS jobs"
cmake --build "$BUILD" -j"$JOBS" >"$BUILD/build.log" 2>&1 ||
  { grep -E 'error|Error' "$BUILD/build.log" | head -30 >&2; die 2 "build failed (log: $BUILD/build.log)"; }
say "built in $(elapsed) s"

# ---------------------------------------------------------------- the gpu tests
say "running the gpu tests (log: $LOG)"
ctest --test-dir "$BUILD" -L gpu -V --timeout 400 >"$LOG" 2>&1
CTEST_RC=$?

# ---------------------------------------------------------------- (issue #8: the benchmark runs here,
# after the tests, and appends its lines to the summary)

# ---------------------------------------------------------------- summary
{
  echo "fewshot gpu tests: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "card: $CARD"
  grep -m1 '^[0-9]*: cuda device' "$LOG" | sed 's/^[0-9]*: /backend: /'
  awk '
    # test numbers -> names and results, from ctest -V
    /^ *[0-9]+\/[0-9]+ Test +#[0-9]+: / {
      match($0, /#[0-9]+/); n = substr($0, RSTART + 1, RLENGTH - 1);
      name[n] = $4; res[n] = ($0 ~ /Passed/) ? "passed" : ($0 ~ /Skipped/) ? "skipped" : "FAILED";
      match($0, /[0-9.]+ sec/); sec[n] = substr($0, RSTART, RLENGTH); order[++k] = n }
    # gpu_ops: "  op [mode] n values, worst err E, worst err/tol R"
    /worst err\/tol/ { split($1, a, ":"); n = a[1]; match($0, /err\/tol [0-9.e+-]+/); r = substr($0, RSTART + 8, RLENGTH - 8) + 0;
      line = $0; sub(/^[0-9]+: +/, "", line); sub(/ +[0-9]+ values.*/, "", line);
      if (r >= worst[n]) { worst[n] = r; wwhat[n] = line } }
    # engine tests: "  <device> <what> n values, worst err / scale E (tol T)"
    /worst err \/ scale/ { split($1, a, ":"); n = a[1]; dev = $2;
      for (i = 1; i <= NF; i++) if ($i == "scale") e = $(i + 1) + 0;
      if (e >= sc[n, dev]) sc[n, dev] = e; devs[n, dev] = 1 }
    /generations: [0-9]+ of [0-9]+ rows identical/ { split($1, a, ":"); n = a[1];
      for (i = 1; i <= NF; i++) if ($i == "of") gen[n] = gen[n] " " $2 " " $(i - 1) "/" $(i + 1) }
    /SKIP / { split($1, a, ":"); skipwhy[a[1]] = $0 }
    END {
      np = nf = ns = 0;
      for (j = 1; j <= k; j++) {
        n = order[j]; extra = "";
        if (n in worst) extra = sprintf("worst err/tol %.3g (%s)", worst[n], wwhat[n]);
        if ((n, "cuda-f32") in devs) extra = extra sprintf("f32 worst err/scale %.2g", sc[n, "cuda-f32"]);
        if ((n, "cuda") in devs) extra = extra sprintf(", bf16 %.2g", sc[n, "cuda"]);
        if (n in gen) extra = extra "; identical generations:" gen[n];
        if (res[n] == "skipped" && (n in skipwhy)) { extra = skipwhy[n]; sub(/^[0-9]+: /, "", extra) }
        printf "  %-24s %-8s %10s  %s\n", name[n], res[n], sec[n], extra;
        if (res[n] == "passed") np++; else if (res[n] == "skipped") ns++; else nf++;
      }
      printf "%d passed, %d failed, %d skipped\n", np, nf, ns;
    }' "$LOG"
  echo "total time $(elapsed) s (build + tests); full log: $LOG"
} >"$SUMMARY"
cat "$SUMMARY"
if [ -n "${FEWSHOT_GPU_OUT:-}" ]; then
  mkdir -p "$FEWSHOT_GPU_OUT" && cp "$SUMMARY" "$LOG" "$FEWSHOT_GPU_OUT"/
fi

if grep -qE '^[0-9]+ passed, 0 failed, 0 skipped$' "$SUMMARY" && [ "$CTEST_RC" = 0 ]; then exit 0; fi
if grep -qE '^0 passed, 0 failed, [1-9][0-9]* skipped$' "$SUMMARY"; then
  say "no usable CUDA device here ($CARD): the backend and the gpu tests were built, the tests skipped themselves"
  exit 3
fi
exit 1

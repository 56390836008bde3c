#!/bin/bash
# Everything a fresh Debian 12 machine needs before a campaign or the tests: packages, the
# build, and the default guest image (cached by content hash in ~/.cache/daxtorture).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
fuzz=OFF; command -v clang++ >/dev/null && fuzz=ON  # the parser fuzzer needs clang (scripts/deps/fuzz.txt)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDAXTORTURE_FUZZ=$fuzz >/dev/null
cmake --build build -j"$(nproc)"
./build/daxtorture image build

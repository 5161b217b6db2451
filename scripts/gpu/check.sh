#!/bin/sh
# Runs on the GPU machine (see scripts/gpu/prepare.sh): reassembles the runtime, finds the CUDA 13
# libraries inside the machine's Python (the nvidia-* wheels' lib/ folders), and runs the checks of
# scripts/gpu/check.mjs, writing results under $OUT (the folder whose files come back).
#   sh scripts/gpu/check.sh            # everything
#   DRY_RUN=1 sh scripts/gpu/check.sh  # up to the point where a GPU is needed
set -eu
cd "$(dirname "$0")/../.."
GPU=.cache/gpu
OUT="${OUT:-$GPU/out}"
mkdir -p "$OUT"
if [ ! -x "$GPU/runtime/node" ]; then
  (cd "$GPU/parts" && sha256sum -c SHA256SUMS >/dev/null)
  cat "$GPU"/parts/runtime.tar.xz.part-* | xz -d | tar -C "$GPU" -xf -
fi
NODE="$PWD/$GPU/runtime/node"
"$NODE" --version
# The CUDA libraries: every lib/ folder of the nvidia-* Python packages.
CUDA_LIBS=$(python3 -c 'import glob, os, sys
try:
    import nvidia
except ImportError:
    sys.exit(0)
roots = list(nvidia.__path__)
print(":".join(sorted({os.path.dirname(p) for r in roots for p in glob.glob(os.path.join(r, "*", "lib", "*.so*"))})))' || true)
if [ -z "$CUDA_LIBS" ] && [ -z "${DRY_RUN:-}" ]; then
  echo "check.sh: no nvidia-* Python packages found (cuBLAS, cuDNN, CUDA runtime)" >&2
  exit 1
fi
export LD_LIBRARY_PATH="$PWD/$GPU/runtime${CUDA_LIBS:+:$CUDA_LIBS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CROSSRANK_ORT_LIBRARY="$PWD/$GPU/runtime/libonnxruntime.so.1"
OUT="$OUT" DRY_RUN="${DRY_RUN:-}" "$NODE" scripts/gpu/check.mjs

#!/bin/sh
# Runs on the GPU machine (docs/gpu.md has the sequence of device calls; scripts/gpu/prepare.sh and
# stage.mjs make what they carry): reassembles the runtime, finds the CUDA 13 libraries inside the
# machine's Python (the nvidia-* wheels' lib/ folders), then runs each step, guarded so that one
# failing still lets the others run and their files come back:
#   inputs.mjs → check.mjs core → reference.py → check.mjs reference → export_fixtures.py
# Everything lands in $OUT (what comes back: at most 8 files): gpu-check.json, reference.json,
# fixtures.json, fixtures.tar.xz, steps.txt, log.txt.
#   sh scripts/gpu/check.sh            # everything, about 7 minutes, capped by GPU_CHECK_BUDGET_S (default 480)
#   STEPS="check-core" sh scripts/gpu/check.sh  # only the steps named (a rerun on a warm machine)
#   DRY_RUN=1 sh scripts/gpu/check.sh  # here: the same steps on CPU with small counts; Python steps
#                                      # compile and skip when torch is missing
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@" # pipefail and $SECONDS
set -uo pipefail
cd "$(dirname "$0")/../.."
GPU=.cache/gpu
OUT="${OUT:-$GPU/out}"
mkdir -p "$OUT"
BUDGET="${GPU_CHECK_BUDGET_S:-480}"
STEPS="${STEPS:-}"
export GPU_CHECK_DEADLINE=$(( $(date +%s) + BUDGET ))
export PYTHONUNBUFFERED=1 DRY_RUN="${DRY_RUN:-}" OUT
: > "$OUT/steps.txt"

# step NAME TIMEOUT_S COMMAND...: runs it, records rc and seconds; never stops the script.
step() {
  name=$1 limit=$2
  shift 2
  case " $STEPS " in
    "  " | *" $name "*) ;;
    *) [ "$name" = reassemble ] || return 0 ;; # whatever STEPS says, node must be there
  esac
  left=$(( GPU_CHECK_DEADLINE - $(date +%s) ))
  [ "$left" -lt "$limit" ] && limit=$left
  if [ "$limit" -le 5 ]; then
    echo "== $name: skipped (budget spent)" | tee -a "$OUT/steps.txt"
    return 0
  fi
  echo "== $name (at most ${limit} s)"
  start=$SECONDS
  timeout --kill-after=10 "$limit" "$@"
  rc=$?
  echo "== $name: rc=$rc in $(( SECONDS - start )) s" | tee -a "$OUT/steps.txt"
  return 0
}

main() {
  echo "check.sh: $(date -u +%FT%TZ) on $(uname -n), budget ${BUDGET} s${DRY_RUN:+, DRY RUN}${STEPS:+, steps: $STEPS}"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
  if [ ! -x "$GPU/runtime/node" ]; then
    # Python's lzma stands in for xz where the image lacks it.
    unxz='xz -d'
    command -v xz >/dev/null || unxz="python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.stdin.buffer), sys.stdout.buffer)'"
    step reassemble 120 sh -c "cd $GPU/parts && sha256sum -c SHA256SUMS && cat runtime.tar.xz.part-* | $unxz | tar -C .. -xf -"
  fi
  NODE="$PWD/$GPU/runtime/node"
  if ! "$NODE" --version; then
    echo "check.sh: no node in $GPU/runtime: the runtime parts did not arrive (docs/gpu.md)" >&2
    return 1
  fi
  # The CUDA libraries: every lib/ folder of the nvidia-* Python packages.
  CUDA_LIBS=$(python3 -c 'import glob, os, sys
try:
    import nvidia
except ImportError:
    sys.exit(0)
print(":".join(sorted({os.path.dirname(p) for r in nvidia.__path__ for p in glob.glob(os.path.join(r, "*", "lib", "*.so*"))})))' || true)
  if [ -z "$CUDA_LIBS" ] && [ -z "$DRY_RUN" ]; then
    echo "check.sh: no nvidia-* Python packages found (cuBLAS, cuDNN, CUDA runtime): CUDA will not load" >&2
  fi
  # Only node gets the runtime folder on its library path: Python's onnxruntime keeps its own.
  node_env=(env "LD_LIBRARY_PATH=$PWD/$GPU/runtime${CUDA_LIBS:+:$CUDA_LIBS}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    "CROSSRANK_ORT_LIBRARY=$PWD/$GPU/runtime/libonnxruntime.so.1" "$NODE")
  step python-compile 30 python3 -c 'import sys
for f in sys.argv[1:]:
    compile(open(f).read(), f, "exec")
print("compiled:", " ".join(sys.argv[1:]))' scripts/gpu/gpu_common.py scripts/gpu/reference.py scripts/gpu/export_fixtures.py
  step inputs 90 "${node_env[@]}" scripts/gpu/inputs.mjs
  step check-core 150 "${node_env[@]}" scripts/gpu/check.mjs core
  step reference 200 python3 scripts/gpu/reference.py "$GPU/work" "$OUT/reference.json"
  step check-reference 150 "${node_env[@]}" scripts/gpu/check.mjs reference
  # Last: it brings back fixtures, not measurements, and packs after each exporter round.
  step export-fixtures 120 python3 scripts/gpu/export_fixtures.py "$GPU/work" "$OUT"
  ls -l "$OUT"
  echo "check.sh: done in $SECONDS s"
}

main 2>&1 | tee "$OUT/log.txt"

#!/bin/sh
# Prepares, on a machine with the npm registry, what the GPU machine needs to run crossrank on CUDA,
# in pieces that each fit one device call (56 MiB, leaving 8 MiB of the 64 MiB a call carries for the
# working tree; the GPU machine keeps ignored files between calls while it stays warm):
#   - one coherent ONNX Runtime GPU set, ORT 1.29 built for CUDA 13: the core from
#     com.github.asus4.onnxruntime and the CUDA provider from its linux-x64-gpu companion (never mixed
#     with onnxruntime-node's 1.30 core);
#   - this machine's node binary (the GPU machine has none).
# Output: .cache/gpu/parts/runtime.tar.xz.part-* and .cache/gpu/parts/SHA256SUMS. scripts/gpu/check.sh
# reassembles them there. Then scripts/gpu/stage.mjs writes the rest of what travels (docs/gpu.md).
#   sh scripts/gpu/prepare.sh            # fetch, pack, compress, split
#   RESPLIT=1 sh scripts/gpu/prepare.sh  # only cut the existing compressed stream into PART_SIZE parts
set -eu
cd "$(dirname "$0")/../.."
VERSION=0.4.9
OUT=.cache/gpu
PART_SIZE=56m
split_parts() { # stdin: the compressed runtime
  split -b "$PART_SIZE" - "$OUT/parts/runtime.tar.xz.part-"
  (cd "$OUT/parts" && sha256sum runtime.tar.xz.part-* > SHA256SUMS)
  ls -l "$OUT/parts"
}
if [ -n "${RESPLIT:-}" ]; then
  (cd "$OUT/parts" && sha256sum -c --quiet SHA256SUMS)
  cat "$OUT"/parts/runtime.tar.xz.part-* > "$OUT/runtime.tar.xz"
  rm -f "$OUT"/parts/runtime.tar.xz.part-* "$OUT/parts/SHA256SUMS"
  split_parts < "$OUT/runtime.tar.xz"
  rm "$OUT/runtime.tar.xz"
  exit 0
fi
rm -rf "$OUT/runtime" "$OUT/parts"
mkdir -p "$OUT/pkg" "$OUT/runtime" "$OUT/parts"
for pkg in com.github.asus4.onnxruntime com.github.asus4.onnxruntime.linux-x64-gpu; do
  [ -f "$OUT/pkg/$pkg-$VERSION.tgz" ] || npm pack --silent --pack-destination "$OUT/pkg" "$pkg@$VERSION" >/dev/null
done
tar -xzf "$OUT/pkg/com.github.asus4.onnxruntime-$VERSION.tgz" -C "$OUT/runtime" --strip-components=4 \
  package/Plugins/Linux/x64/libonnxruntime.so
tar -xzf "$OUT/pkg/com.github.asus4.onnxruntime.linux-x64-gpu-$VERSION.tgz" -C "$OUT/runtime" --strip-components=4 \
  package/Plugins/Linux/x64/libonnxruntime_providers_cuda.so package/Plugins/Linux/x64/libonnxruntime_providers_shared.so
# The provider libraries are found beside the core as libonnxruntime.so.1 is opened by its soname.
ln -sf libonnxruntime.so "$OUT/runtime/libonnxruntime.so.1"
cp "$(command -v node)" "$OUT/runtime/node"
tar -C "$OUT" -cf - runtime | xz -T0 -6 | split_parts

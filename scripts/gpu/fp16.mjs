// float32 -> float16 conversion of an ONNX graph written by the fixture generator (or one shaped
// like it), so the GPU check can score an fp16 twin of the same weights: every float initializer and
// float tensor attribute becomes float16, every Cast to float casts to float16, and the float logits
// stay float16 (as fp16 exports have them; crossrank converts float16 logits to float32 scores).
// Inputs stay int64. Values beyond float16's range are clamped to +-65504 so that a mask constant
// such as -3.4e38 stays finite (0 x -inf would be NaN).
//   node scripts/gpu/fp16.mjs in.onnx out.onnx
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { AttrType, DataType, decodeModel, encodeModel } from '../../test/fixtures/onnx-proto.mjs';

const FP16_MAX = 65504;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of `value`, rounded to nearest even, clamped to the finite range. */
export function toHalfBits(value) {
  f32[0] = Number.isNaN(value) ? value : Math.max(-FP16_MAX, Math.min(FP16_MAX, value));
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // NaN (inf cannot occur after the clamp)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7bff;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit bit in, round to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1)) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (up to 0x7c00 only for values the clamp excludes).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? 1 : 0));
}

function halfTensor(t) {
  if (t.dataType !== DataType.FLOAT) return t;
  const src = new Float32Array(t.raw.buffer.slice(t.raw.byteOffset, t.raw.byteOffset + t.raw.byteLength));
  const dst = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) dst[i] = toHalfBits(src[i]);
  return { ...t, dataType: DataType.FLOAT16, raw: Buffer.from(dst.buffer) };
}

const ONNX_DOMAINS = new Set(['', 'ai.onnx']);

/** The float16 twin of the ONNX model in `buf` (a Buffer). Throws on graphs it cannot convert faithfully. */
export function convertToFloat16(buf) {
  const model = decodeModel(buf);
  const g = model.graph;
  for (const n of g.nodes) {
    // Contrib ops have their own type constraints (some insist on float32 inputs): not converted blindly.
    if (!ONNX_DOMAINS.has(n.domain)) throw new Error(`fp16: node ${n.name} is ${n.domain}:${n.opType}, outside ai.onnx`);
    for (const a of n.attributes) {
      if (a.type === AttrType.GRAPH) throw new Error(`fp16: node ${n.name} (${n.opType}) has a subgraph`);
    }
  }
  g.initializers = g.initializers.map(halfTensor);
  for (const n of g.nodes) {
    n.attributes = n.attributes.map((a) => {
      if (a.type === AttrType.TENSOR) return { ...a, value: halfTensor(a.value) };
      if (n.opType === 'Cast' && a.name === 'to' && a.value === DataType.FLOAT) return { ...a, value: DataType.FLOAT16 };
      return a;
    });
  }
  for (const v of [...g.inputs, ...g.outputs]) if (v.elemType === DataType.FLOAT) v.elemType = DataType.FLOAT16;
  // A Cast to float16 that the float16 twin of a float16-logits graph would end with is now a no-op: fine.
  model.metadata = { ...model.metadata, 'crossrank.gpu.fp16': 'float32 initializers, tensor attributes and Casts converted to float16' };
  return encodeModel(model);
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) {
    console.error('usage: node scripts/gpu/fp16.mjs in.onnx out.onnx');
    process.exit(2);
  }
  fs.writeFileSync(output, convertToFloat16(fs.readFileSync(input)));
}

"""What reference.py and export_fixtures.py share: the results file, the step guard, the torch.onnx
export with its fallback, and the op-type / input / output / dtype summary of an ONNX graph."""
import json
import os
import sys
import time
import traceback
from collections import Counter

SEED = 42


TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")


def skipped_without_torch(script, out_json):
    """True, after saying so and writing {"skipped": why} to out_json, when torch, transformers or
    onnx is missing (a dry run here): the caller then exits 0."""
    try:
        import onnx  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as e:
        why = f"{e} (these steps need the GPU machine's Python: torch, transformers, onnx)"
        print(f"{script}: skipped: {why}", flush=True)
        os.makedirs(os.path.dirname(os.path.abspath(out_json)), exist_ok=True)
        with open(out_json, "w") as f:
            json.dump({"skipped": why}, f, indent=1)
        return True
    return False


def copy_tokenizer(src_dir, dst_dir):
    """The tokenizer files of a model folder (those present) into another."""
    import shutil

    for f in TOKENIZER_FILES:
        if os.path.exists(os.path.join(src_dir, f)):
            shutil.copyfile(os.path.join(src_dir, f), os.path.join(dst_dir, f))


def seconds_left():
    """Seconds until $GPU_CHECK_DEADLINE (epoch seconds, set by check.sh); inf when unset."""
    deadline = os.environ.get("GPU_CHECK_DEADLINE")
    return float(deadline) - time.time() if deadline else float("inf")


class Results:
    """A JSON results file, rewritten after every step so a killed run still leaves what it measured."""

    def __init__(self, path, **fields):
        self.path = path
        self.data = {"startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **fields, "steps": {}, "errors": {}}
        self.save()

    def save(self):
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        with open(self.path + ".tmp", "w") as f:
            json.dump(self.data, f, indent=1)
        os.replace(self.path + ".tmp", self.path)

    def step(self, name, fn, *args, min_seconds_left=0, **kwargs):
        """Runs fn; a failure is recorded (with its traceback's tail) and returns None, so later steps still run."""
        if seconds_left() < min_seconds_left:
            self.data["errors"][name] = f"skipped: {seconds_left():.0f} s left, needs {min_seconds_left}"
            print(f"[{name}] skipped: too little time left", flush=True)
            self.save()
            return None
        t = time.perf_counter()
        print(f"[{name}] ...", flush=True)
        try:
            value = fn(*args, **kwargs)
            ok = True
        except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the other steps
            value = None
            ok = False
            self.data["errors"][name] = f"{type(e).__name__}: {e}\n" + "".join(traceback.format_exc().splitlines(True)[-12:])
            print(f"[{name}] FAILED: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        seconds = round(time.perf_counter() - t, 2)
        self.data["steps"][name] = {"ok": ok, "seconds": seconds}
        print(f"[{name}] {'ok' if ok else 'failed'} in {seconds} s", flush=True)
        self.save()
        return value


def export_onnx(module, args, path, input_names, opset=17, prefer="torchscript", fallback=True):
    """torch.onnx.export of `module` (returning logits) with dynamic batch and sequence axes and the
    input/output names optimum uses. Tries the TorchScript exporter (what optimum runs) first, then
    the dynamo one, unless prefer='dynamo'; fallback=False tries only `prefer`. Returns {exporter, opset, seconds, failed: {exporter: error}}."""
    import torch

    os.makedirs(os.path.dirname(path), exist_ok=True)
    axes = {name: {0: "batch_size", 1: "sequence_length"} for name in input_names}
    axes["logits"] = {0: "batch_size"}
    failed = {}
    order = ["torchscript", "dynamo"] if prefer == "torchscript" else ["dynamo", "torchscript"]
    if not fallback:
        order = order[:1]
    for exporter in order:
        t = time.perf_counter()
        try:
            if exporter == "torchscript":
                torch.onnx.export(module, args, path, input_names=input_names, output_names=["logits"],
                                  dynamic_axes=axes, opset_version=opset, do_constant_folding=True, dynamo=False)
                used_opset = opset
            else:
                dim = torch.export.Dim.DYNAMIC
                shapes = {name: {0: dim, 1: dim} for name in input_names}
                # The dynamo exporter's own opset is 18; an older one would need a version conversion.
                used_opset = max(opset, 18)
                torch.onnx.export(module, args, path, input_names=input_names, output_names=["logits"],
                                  dynamic_shapes=shapes, opset_version=used_opset, dynamo=True, external_data=False)
            return {"exporter": exporter, "opset": used_opset, "seconds": round(time.perf_counter() - t, 2), "failed": failed}
        except Exception as e:  # noqa: BLE001 - the other exporter may succeed
            failed[exporter] = f"{type(e).__name__}: {str(e)[:600]}"
            print(f"  export with {exporter} failed: {failed[exporter][:300]}", file=sys.stderr, flush=True)
    raise RuntimeError(f"no exporter could export {path}: {failed}")


def logits_module(model, input_names):
    """`model` behind forward(<input_names>) -> logits: both exporters see plain positional tensors
    with optimum's names (the dynamo exporter reads the parameter names) and one output."""
    import torch

    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def logits(self, **inputs):
            return self.model(**inputs).logits

    class TwoInputs(Wrapper):
        def forward(self, input_ids, attention_mask):
            return self.logits(input_ids=input_ids, attention_mask=attention_mask)

    class WithTokenTypes(Wrapper):
        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.logits(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)

    class WithPositions(Wrapper):
        def forward(self, input_ids, attention_mask, position_ids):
            return self.logits(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids)

    kinds = {("input_ids", "attention_mask"): TwoInputs,
             ("input_ids", "attention_mask", "token_type_ids"): WithTokenTypes,
             ("input_ids", "attention_mask", "position_ids"): WithPositions}
    return kinds[tuple(input_names)]().eval()


def summarize_onnx(path):
    """Op types, inputs, outputs and dtypes of an ONNX graph: what a comparison with the project's own
    generator needs, small enough for JSON."""
    import numpy as np
    import onnx
    from onnx import numpy_helper

    m = onnx.load(path, load_external_data=False)
    g = m.graph
    name = onnx.TensorProto.DataType.Name

    def value_info(v):
        t = v.type.tensor_type
        return {"name": v.name, "dtype": name(t.elem_type),
                "shape": [d.dim_param if d.HasField("dim_param") else (d.dim_value if d.HasField("dim_value") else None)
                          for d in t.shape.dim]}

    ops = Counter((f"{n.domain}:" if n.domain not in ("", "ai.onnx") else "") + n.op_type for n in g.node)
    casts = Counter(name(a.i) for n in g.node if n.op_type == "Cast" for a in n.attribute if a.name == "to")
    # The extreme small float constants show how the attention mask was built (-10000, finfo.min, -inf).
    extremes = set()
    tensors = list(g.initializer) + [a.t for n in g.node if n.op_type in ("Constant", "ConstantOfShape")
                                     for a in n.attribute if a.type == onnx.AttributeProto.TENSOR]
    for t in tensors:
        if t.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16) and int(np.prod(t.dims or [1])) <= 16 \
                and t.data_location != onnx.TensorProto.EXTERNAL:
            for v in numpy_helper.to_array(t).astype(np.float64).ravel():
                if not np.isfinite(v) or abs(v) >= 1e3:
                    extremes.add(float(v) if np.isfinite(v) else str(v))
    return {
        "bytes": os.path.getsize(path),
        "irVersion": m.ir_version,
        "producer": f"{m.producer_name} {m.producer_version}".strip(),
        "opsetImports": {(o.domain or "ai.onnx"): o.version for o in m.opset_import},
        "inputs": [value_info(v) for v in g.input if v.name not in {t.name for t in g.initializer}],
        "outputs": [value_info(v) for v in g.output],
        "nodes": len(g.node),
        "ops": dict(sorted(ops.items(), key=lambda kv: (-kv[1], kv[0]))),
        "castTo": dict(casts),
        "initializers": {"count": len(g.initializer), "dtypes": dict(Counter(name(t.data_type) for t in g.initializer)),
                         "external": sum(t.data_location == onnx.TensorProto.EXTERNAL for t in g.initializer)},
        "constantNodes": ops.get("Constant", 0),
        "largeConstants": sorted(extremes, key=str),
        "functions": [f"{f.domain}:{f.name}" for f in m.functions],
        "metadata": {p.key: p.value for p in m.metadata_props},
    }


def ort_check(path, feeds, expected, atol):
    """Scores `feeds` with the machine's (CPU) onnxruntime and compares with torch's `expected` logits:
    shows the export itself is right, independently of crossrank."""
    import numpy as np
    import onnxruntime as ort

    try:
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        names = {i.name for i in sess.get_inputs()}
        got = sess.run(["logits"], {k: v for k, v in feeds.items() if k in names})[0].astype(np.float32)
    except Exception as e:  # noqa: BLE001 - e.g. a float16 kernel the CPU provider lacks: the export stands
        return {"onnxruntime": ort.__version__, "error": f"{type(e).__name__}: {str(e)[:400]}"}
    diff = float(np.max(np.abs(got - expected.astype(np.float32))))
    return {"onnxruntime": ort.__version__, "maxAbsDiffVsTorch": diff, "within": atol, "ok": diff <= atol}

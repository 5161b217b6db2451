"""The reference on the same card (issue 15): transformers' own BertForSequenceClassification in the
MiniLM-L6 shape with random weights (fixed seed), saved as a Hugging Face folder with the
bert-base-uncased tokenizer, exported with torch.onnx.export (opset 17, dynamic batch and sequence,
optimum's input and output names) in float32 and float16, and scored on the GPU with
sentence-transformers' CrossEncoder (float32, then model.half(); its default batching): logits and
pairs/s at ~150 and 512 tokens. Also builds and exports (float16) the XLM-R-large shape of
bge-reranker-v2-m3 with a small vocabulary, for crossrank's throughput runs.

scripts/gpu/check.mjs then scores the same pairs with crossrank on the exported files.
    python3 scripts/gpu/reference.py WORK_DIR OUT_JSON
Without torch (DRY_RUN on a machine without it) it says so and exits 0."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_common import (SEED, Results, copy_tokenizer, export_onnx, logits_module, ort_check,  # noqa: E402
                        seconds_left, skipped_without_torch, summarize_onnx)

BERT_INPUTS = ["input_ids", "attention_mask", "token_type_ids"]
XLMR_INPUTS = ["input_ids", "attention_mask"]


def spread_weights(model, hidden):
    """transformers' init (N(0, 0.02) everywhere) gives near-constant logits; rescale the way the
    project's generator does (std = gain / sqrt(fan_in)) so logits spread like a trained model's and a
    top-10 ranking means something: Q/K/V and the attention output x2, pooler x1, classifier x3."""
    import torch

    gains = {".attention.self.query": 2.0, ".attention.self.key": 2.0, ".attention.self.value": 2.0,
             ".attention.output.dense": 2.0, "pooler.dense": 1.0, "classifier.dense": 1.0,
             "classifier.out_proj": 3.0}
    with torch.no_grad():
        for name, module in model.named_modules():
            if not isinstance(module, torch.nn.Linear):
                continue
            gain = next((g for suffix, g in gains.items() if name.endswith(suffix)), None)
            if name == "classifier" or name.endswith("classifier.out_proj"):
                gain = 3.0
                module.bias.normal_(0.0, 0.1)
            if gain is not None:
                module.weight.normal_(0.0, gain / hidden ** 0.5)


def example_inputs(tokenizer, pairs, names, device):
    enc = tokenizer([q for q, _ in pairs], [d for _, d in pairs], padding=True, truncation=True, max_length=64,
                    return_tensors="pt")
    return tuple(enc[n].to(device) for n in names), {n: enc[n].numpy() for n in names}


def stats(values):
    import numpy as np

    a = np.asarray(values, dtype=np.float64)
    return {"n": int(a.size), "min": float(a.min()), "max": float(a.max()), "mean": float(a.mean()), "std": float(a.std())}


def build_bert(work, carried_minilm):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                        intermediate_size=1536, max_position_embeddings=512, type_vocab_size=2, num_labels=1)
    torch.manual_seed(SEED)
    model = BertForSequenceClassification(config).eval()
    spread_weights(model, config.hidden_size)
    os.makedirs(work, exist_ok=True)
    model.save_pretrained(work)
    copy_tokenizer(carried_minilm, work)
    return model


def export_bert(model, work, tokenizer, pairs, dtype):
    import copy

    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    m = copy.deepcopy(model).to(device)
    if dtype == "fp16":
        m = m.half()
    args, feeds = example_inputs(tokenizer, pairs, BERT_INPUTS, device)
    path = os.path.join(work, "onnx", "model.onnx" if dtype == "fp32" else "model_fp16.onnx")
    module = logits_module(m, BERT_INPUTS)
    info = export_onnx(module, args, path, BERT_INPUTS, opset=17)
    with torch.no_grad():
        expected = module(*args).float().cpu().numpy()
    info["summary"] = summarize_onnx(path)
    info["ortCpu"] = ort_check(path, feeds, expected, 1e-4 if dtype == "fp32" else 2e-2)
    return info


def half(ce):
    """model.half() on a CrossEncoder: an nn.Module itself in sentence-transformers >= 4, else its .model."""
    import torch

    return ce.half() if isinstance(ce, torch.nn.Module) else ce.model.half()


def cross_encoder(folder):
    from sentence_transformers import CrossEncoder

    try:
        return CrossEncoder(folder, device="cuda", max_length=512)
    except TypeError:  # a release without max_length: the tokenizer's model_max_length (512) applies
        return CrossEncoder(folder, device="cuda")


def predict_logits(ce, pairs):
    """Raw logits: CrossEncoder applies a sigmoid to one-label models unless told otherwise."""
    import torch

    try:
        scores = ce.predict(pairs, activation_fn=torch.nn.Identity(), convert_to_numpy=True, show_progress_bar=False)
    except TypeError:
        ce.activation_fn = torch.nn.Identity()
        scores = ce.predict(pairs, convert_to_numpy=True, show_progress_bar=False)
    import numpy as np

    return [float(v) for v in np.asarray(scores, dtype=np.float32).reshape(-1)]


def timed_predict(ce, pairs):
    import torch

    predict_logits(ce, pairs[:64])  # warm-up: kernels, allocator
    torch.cuda.synchronize()
    t = time.perf_counter()
    logits = predict_logits(ce, pairs)
    torch.cuda.synchronize()
    return logits, len(pairs) / (time.perf_counter() - t)


def score_st(ce, pairs, label):
    import sentence_transformers

    short, short_rate = timed_predict(ce, pairs["short"])
    long_, long_rate = timed_predict(ce, pairs["long"])
    return {"label": label, "sentenceTransformers": sentence_transformers.__version__, "batchSize": "default",
            "pairsPerSecond150": short_rate, "pairsPerSecond512": long_rate,
            "logits": {"short": short, "long": long_}, "logitStats": stats(short)}


def transformers_logits(folder, pairs):
    """The same logits straight from transformers (no sentence-transformers): a second opinion for the
    parity check if CrossEncoder's API changed."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).to("cuda").eval()
    out = {}
    for key in ("short", "long"):
        values = []
        for i in range(0, len(pairs[key]), 64):
            chunk = pairs[key][i:i + 64]
            enc = tok([q for q, _ in chunk], [d for _, d in chunk], padding=True, truncation="longest_first",
                      max_length=512, return_tensors="pt").to("cuda")
            with torch.no_grad():
                values += model(**enc).logits.float().reshape(-1).cpu().tolist()
        out[key] = values
    return out


def build_xlmr_large(work, carried_xlmr):
    """bge-reranker-v2-m3's shape (XLM-R large: 24 layers, hidden 1024, 16 heads, FFN 4096) with the
    carried 8,000-piece tokenizer's vocabulary, random weights, float16 on the GPU."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

    vocab = json.load(open(os.path.join(carried_xlmr, "config.json")))["vocab_size"]
    config = XLMRobertaConfig(vocab_size=vocab, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                              intermediate_size=4096, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1,
                              bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5, num_labels=1)
    torch.manual_seed(SEED + 1)
    with torch.device("cuda"):
        model = XLMRobertaForSequenceClassification(config)
    spread_weights(model, config.hidden_size)
    model = model.half().eval()
    os.makedirs(work, exist_ok=True)
    model.save_pretrained(work)
    copy_tokenizer(carried_xlmr, work)
    return model


def export_xlmr(model, work, tokenizer, pairs):
    import torch

    args, _ = example_inputs(tokenizer, pairs, XLMR_INPUTS, "cuda")
    path = os.path.join(work, "onnx", "model_fp16.onnx")
    info = export_onnx(logits_module(model, XLMR_INPUTS), args, path, XLMR_INPUTS, opset=17)
    info["summary"] = summarize_onnx(path)
    info["parameters"] = sum(p.numel() for p in model.parameters())
    del args
    torch.cuda.empty_cache()
    return info


def main():
    work, out_json = sys.argv[1], sys.argv[2]
    if skipped_without_torch("reference.py", out_json):
        return 0

    import torch
    import transformers
    from transformers import AutoTokenizer

    res = Results(out_json, torch=torch.__version__, transformers=transformers.__version__,
                  cuda=torch.cuda.is_available(), device=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    pairs = json.load(open(os.path.join(work, "pairs.json")))
    ref_dir = os.path.join(work, "ref-minilm-l6")
    carried_minilm = os.path.join(work, "minilm-l6")
    carried_xlmr = os.path.join(os.path.dirname(work), "carry", "gen", "tiny-xlmr")

    model = res.step("bert.build", build_bert, ref_dir, carried_minilm)
    tokenizer = None if model is None else res.step("bert.tokenizer", AutoTokenizer.from_pretrained, ref_dir)
    if tokenizer is not None:
        sample = pairs["short"][:2]
        res.data["bertExport"] = {dtype: res.step(f"bert.export.{dtype}", export_bert, model, ref_dir, tokenizer, sample, dtype)
                                  for dtype in ("fp32", "fp16")}
        res.save()
    del model
    if not torch.cuda.is_available():
        res.data["errors"]["cuda"] = "no CUDA device: the GPU scoring steps are skipped"
        res.save()
        return 0

    st = {}
    ce = res.step("st.load", cross_encoder, ref_dir)
    if ce is not None:
        st["fp32"] = res.step("st.fp32", score_st, ce, pairs, "CrossEncoder float32")
        res.step("st.half", half, ce)
        st["fp16"] = res.step("st.fp16", score_st, ce, pairs, "CrossEncoder model.half()")
        del ce
    res.data["sentenceTransformers"] = st
    res.data["transformers"] = res.step("transformers.fp32", transformers_logits, ref_dir, pairs)
    if st.get("fp32") and res.data["transformers"]:
        # Large when CrossEncoder applied its sigmoid after all: then its logits are not logits.
        res.data["sentenceTransformersVsTransformersMaxAbsDiff"] = max(
            abs(a - b) for a, b in zip(st["fp32"]["logits"]["short"], res.data["transformers"]["short"]))
    res.save()
    torch.cuda.empty_cache()

    xlmr_dir = os.path.join(work, "ref-xlmr-large")
    xlmr = res.step("xlmr.build", build_xlmr_large, xlmr_dir, carried_xlmr, min_seconds_left=150)
    tokenizer = None if xlmr is None else res.step("xlmr.tokenizer", AutoTokenizer.from_pretrained, xlmr_dir)
    if tokenizer is not None:
        res.data["xlmrExport"] = res.step("xlmr.export.fp16", export_xlmr, xlmr, xlmr_dir, tokenizer, pairs["short"][:2])
        del xlmr
        torch.cuda.empty_cache()
        res.save()

        def st_xlmr():
            ce16 = cross_encoder(xlmr_dir)
            half(ce16)
            r = score_st(ce16, pairs, "CrossEncoder XLM-R large model.half()")
            r.pop("logits")
            return r
        res.data["sentenceTransformersXlmrLarge"] = res.step("st.xlmr.fp16", st_xlmr, min_seconds_left=90)
    res.data["finishedAt"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    res.data["secondsLeftAtEnd"] = None if seconds_left() == float("inf") else round(seconds_left())
    res.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())

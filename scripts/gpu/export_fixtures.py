"""Tiny graphs exported by torch itself (issue 15): BERT, XLM-R and Qwen3 (2 layers, hidden 32-64,
random weights, fixed seed), each with its config.json and, where cheap, a tokenizer, so the tests can
check that the project's own generator (test/fixtures/generate.mjs) matches what real exporters
produce: op types, input names, dtypes. Each is exported with the TorchScript exporter (what optimum
runs) at opset 17 and 14, and with the dynamo exporter; each file is checked against torch with the
machine's onnxruntime and summarized.

    python3 scripts/gpu/export_fixtures.py WORK_DIR OUT_DIR
writes OUT_DIR/fixtures.json (the summaries, the generator's tiny graphs beside them) and
OUT_DIR/fixtures.tar.xz (the folders). Without torch it says so and exits 0."""
import json
import os
import shutil
import sys
import tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_common import (SEED, Results, copy_tokenizer, export_onnx, logits_module, ort_check,  # noqa: E402
                        skipped_without_torch, summarize_onnx)

TAR_LIMIT = 15 * 2 ** 20  # what comes back from the GPU machine: 16 MiB a file
VARIANTS = (("model.onnx", "torchscript", 17), ("model_opset14.onnx", "torchscript", 14), ("model_dynamo.onnx", "dynamo", 18))


def generated(carry, name):
    return os.path.join(carry, "gen", name)


def bert(carry):
    from transformers import BertConfig, BertForSequenceClassification

    vocab = json.load(open(os.path.join(generated(carry, "tiny"), "config.json")))["vocab_size"]
    config = BertConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=512, num_labels=1)
    return BertForSequenceClassification(config), ["input_ids", "attention_mask", "token_type_ids"], generated(carry, "tiny")


def xlmr(carry):
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

    vocab = json.load(open(os.path.join(generated(carry, "tiny-xlmr"), "config.json")))["vocab_size"]
    config = XLMRobertaConfig(vocab_size=vocab, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                              intermediate_size=64, max_position_embeddings=514, type_vocab_size=1, pad_token_id=1,
                              bos_token_id=0, eos_token_id=2, layer_norm_eps=1e-5, num_labels=1)
    return XLMRobertaForSequenceClassification(config), ["input_ids", "attention_mask"], generated(carry, "tiny-xlmr")


def qwen3_config(**extra):
    from transformers import Qwen3Config

    # No tokenizer: Qwen's byte-level BPE is 151k entries; the graphs take any ids below vocab_size.
    return Qwen3Config(vocab_size=1024, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, head_dim=16, max_position_embeddings=1024,
                       pad_token_id=0, use_cache=False, tie_word_embeddings=True, **extra)


def qwen3_seq_cls(carry):
    """Qwen3ForSequenceClassification (the *-seq-cls rerankers): logits [batch, 1] from the last non-pad token."""
    from transformers import Qwen3ForSequenceClassification

    return Qwen3ForSequenceClassification(qwen3_config(num_labels=1)), ["input_ids", "attention_mask"], None


def qwen3_causal(carry):
    """Qwen3ForCausalLM (Qwen3-Reranker as published): logits [batch, sequence, vocab], no KV cache."""
    from transformers import Qwen3ForCausalLM

    return Qwen3ForCausalLM(qwen3_config()), ["input_ids", "attention_mask", "position_ids"], None


FAMILIES = {"bert-tiny": bert, "xlmr-tiny": xlmr, "qwen3-seq-cls-tiny": qwen3_seq_cls, "qwen3-causal-lm-tiny": qwen3_causal}


def example(names, vocab, pad):
    """Two right-padded rows (the second shorter), ids clear of the special ones."""
    import torch

    g = torch.Generator().manual_seed(SEED)
    ids = torch.randint(5, vocab, (2, 12), generator=g)
    mask = torch.ones(2, 12, dtype=torch.int64)
    mask[1, 8:] = 0
    ids[1, 8:] = pad
    tensors = {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros(2, 12, dtype=torch.int64),
               "position_ids": torch.arange(12).expand(2, 12).contiguous()}
    return tuple(tensors[n] for n in names)


def prepare_family(name, factory, carry, root):
    """The family's model (seeded), its folder with config.json and tokenizer, example inputs and torch's logits."""
    import torch

    torch.manual_seed(SEED)
    model, names, tokenizer_dir = factory(carry)
    model.eval()
    folder = os.path.join(root, name)
    os.makedirs(os.path.join(folder, "onnx"), exist_ok=True)
    model.config.save_pretrained(folder)
    if tokenizer_dir:
        copy_tokenizer(tokenizer_dir, folder)
    args = example(names, model.config.vocab_size, model.config.pad_token_id or 0)
    module = logits_module(model, names)
    with torch.no_grad():
        expected = module(*args).numpy()
    return {"folder": folder, "module": module, "names": names, "args": args, "expected": expected,
            "feeds": {n: a.numpy() for n, a in zip(names, args)},
            "about": {"architecture": type(model).__name__, "config": {k: getattr(model.config, k, None) for k in (
                "vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size")}}}


def export_variant(family, file, exporter, opset):
    path = os.path.join(family["folder"], "onnx", file)
    try:
        info = export_onnx(family["module"], family["args"], path, family["names"], opset=opset, prefer=exporter,
                           fallback=False)
        info["summary"] = summarize_onnx(path)
        info["ortCpu"] = ort_check(path, family["feeds"], family["expected"], 1e-4)
        return info
    except Exception:
        if os.path.exists(path):
            os.remove(path)
        raise


def pack(root, out_dir):
    tar = os.path.join(out_dir, "fixtures.tar.xz")
    with tarfile.open(tar + ".tmp", "w:xz") as t:
        t.add(root, arcname="torch-fixtures")
    size = os.path.getsize(tar + ".tmp")
    if size > TAR_LIMIT:
        os.remove(tar + ".tmp")
        raise RuntimeError(f"fixtures.tar.xz would be {size} bytes, over what comes back ({TAR_LIMIT}); fixtures.json has the summaries")
    os.replace(tar + ".tmp", tar)
    return {"bytes": size}


def main():
    work, out_dir = sys.argv[1], sys.argv[2]
    out_json = os.path.join(out_dir, "fixtures.json")
    if skipped_without_torch("export_fixtures.py", out_json):
        return 0

    import torch
    import transformers

    carry = os.path.join(os.path.dirname(work), "carry")
    root = os.path.join(work, "torch-fixtures")
    shutil.rmtree(root, ignore_errors=True)
    res = Results(out_json, torch=torch.__version__, transformers=transformers.__version__)
    # The project's generator's graphs of the same shapes, summarized the same way, for the comparison.
    res.data["generator"] = {name: res.step(f"summary.generator.{name}", summarize_onnx,
                                            os.path.join(generated(carry, name), "onnx", "model.onnx"))
                             for name in ("tiny", "tiny-xlmr")}
    minilm = os.path.join(work, "minilm-l6", "onnx")
    for file in ("model.onnx", "model_fp16.onnx"):
        res.data["generator"][f"minilm-l6/{file}"] = res.step(f"summary.generator.minilm-l6.{file}", summarize_onnx,
                                                              os.path.join(minilm, file))
    families = {name: res.step(f"build.{name}", prepare_family, name, factory, carry, root) for name, factory in FAMILIES.items()}
    res.data["torch"] = {name: {**f["about"], "graphs": {}} for name, f in families.items() if f}
    # One variant for every family before the next, and the tar packed after each round, so that a
    # step cut short by its time limit still brings back the TorchScript exports.
    for file, exporter, opset in VARIANTS:
        for name, family in families.items():
            if family:
                res.data["torch"][name]["graphs"][file] = res.step(f"export.{name}.{file}", export_variant, family, file, exporter, opset)
        res.data["tar"] = res.step(f"pack.after.{file}", pack, root, out_dir)
    res.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())

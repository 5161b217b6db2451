// An ONNX Runtime session for a sequence-classification graph, or a decoder (causal LM) reranker's:
// binds the inputs the graph declares and returns its `logits`, for decoders reduced to one score per
// row. Knows nothing of tokenizers or JavaScript.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <onnxruntime_cxx_api.h>

#include "common/live_count.h"
#include "runtime/ort_logging.h"
#include "runtime/pinned_staging.h"

namespace crossrank::runtime {

enum class Device { Cpu, Cuda };

struct SessionConfig {
  std::string ort_library_path;
  std::string model_path;
  Device device = Device::Cpu;
  int device_id = 0;
  int intra_op_threads = 0;  // 0: ONNX Runtime's default (one per physical core)
  int64_t num_labels_hint = 0;  // from config.json; used only when the graph leaves the dimension symbolic
  LogLevel log_level = LogLevel::Off;  // which of ORT's log lines for this session reach stderr
  // A decoder reranker (a causal LM that answers yes or no): position_ids come from the mask, and
  // the output is read in one of the DecoderOutput forms.
  bool decoder = false;
  // Fuse attention and residual+LayerNorm blocks into ORT's contrib kernels at load (runtime/graph_fusion.h).
  // Off by default: on 2 cores it measured no faster (Performance.md, "Where the time goes").
  bool graph_rewrite = false;
};

// How a decoder graph's `logits` hold the answer. Every form gives one score per row: logit(yes) -
// logit(no), or logit(yes) alone for a one-token template (bge-reranker-v2-gemma).
enum class DecoderOutput {
  None,     // an encoder: `logits [batch, num_labels]` as they are
  LmHead,   // [batch, seq, vocab]: the whole LM head; the two token columns at each row's last real
            // position. Right-padded: ORT's GroupQueryAttention (onnx-community's exports) takes only that.
  YesNo,    // [batch, 2]: columns [no, yes] at position -1 (the published model_yesno exports): left-padded
  SeqCls,   // [batch, 1]: a sequence-classification conversion, already W[yes] - W[no]: left-padded
};
const char* DecoderOutputName(DecoderOutput form);

// What a batch looks like to the session: row-major [batch, seq_len] token tensors. token_type_ids may
// be null when the graph does not declare that input.
struct BatchTensors {
  const int64_t* input_ids = nullptr;
  const int64_t* attention_mask = nullptr;
  const int64_t* token_type_ids = nullptr;
  size_t batch = 0;
  size_t seq_len = 0;
};

struct ModelInfo {
  std::vector<std::string> input_names;
  std::string output_name;
  int64_t num_labels = 0;
  bool uses_token_type_ids = false;
  std::string ort_version;
  std::string ort_library_path;
  std::string device;  // "cpu" or "cuda:<id>"
  // Rows of the word-embedding table that `input_ids` index, when the graph shows it (0 otherwise):
  // every token id must be below it.
  int64_t embedding_rows = 0;
  // "shared": the process-wide ORT pool every model uses; "session": a pool of its own (an explicit
  // thread count, or an ORT environment someone else created without global pools).
  std::string thread_pool;
  std::string logits_type;  // "float32" or "float16" (converted to float32 scores)
  // Where input tensors are staged for the device: "pinned" (page-locked, CUDA), or "host".
  std::string input_memory = "host";
  DecoderOutput decoder_output = DecoderOutput::None;
  // What the load-time graph rewrite fused (both 0 when it was off or found nothing to fuse).
  int fused_attention = 0;
  int fused_skip_layer_norm = 0;
};

class InferenceSession {
 public:
  // Throws crossrank::Error: ModelNotFound, InvalidModel, OrtUnavailable or CudaUnavailable.
  explicit InferenceSession(const SessionConfig& config);
  ~InferenceSession();
  InferenceSession(const InferenceSession&) = delete;
  InferenceSession& operator=(const InferenceSession&) = delete;

  const ModelInfo& info() const { return info_; }

  // Decoders only, before the first Run: the ids of the answer tokens (no_id < 0: the score is
  // logit(yes) alone). Throws crossrank::Error(InvalidModel) when the graph's output cannot serve them.
  void SetAnswerTokens(int64_t yes_id, int64_t no_id);

  // Writes batch * num_labels logits, row-major. The batch is right-padded (real tokens first); a
  // decoder session re-pads it as its output form needs (see ArrangeDecoderRows). Safe to call from several threads at once (ORT
  // sessions accept concurrent Run calls). `run_options`, when given, lets another thread stop the run
  // (Ort::RunOptions::SetTerminate). Throws crossrank::Error(Inference).
  void Run(const BatchTensors& batch, float* logits, Ort::RunOptions* run_options = nullptr) const;

 private:
  enum class InputRole { InputIds, AttentionMask, TokenTypeIds, PositionIds, PastKeyValues };
  struct BoundInput {
    std::string name;
    InputRole role;
    ONNXTensorElementDataType element_type;
    std::vector<int64_t> past_shape;  // PastKeyValues: the declared shape; -1 where symbolic
  };
  // A decoder batch as the graph wants it: position ids from the mask, rows left-padded for the forms
  // that read position -1, and each row's last real position.
  struct DecoderRows {
    std::vector<int64_t> ids, mask, positions;
    std::vector<size_t> last;
  };
  DecoderRows ArrangeDecoderRows(const BatchTensors& batch) const;
  void ReadDecoderScores(const Ort::Value& output, const DecoderRows& rows, float* scores) const;

  std::unique_ptr<SessionLogId> log_id_;  // outlives session_: ORT logs under it until the session is gone
  std::unique_ptr<Ort::Session> session_;
  std::unique_ptr<PinnedStaging> staging_;  // CUDA: page-locked input buffers; null on CPU
  std::vector<BoundInput> inputs_;
  bool logits_fp16_ = false;
  int64_t yes_id_ = -1;
  int64_t no_id_ = -1;
  std::string model_path_;
  int64_t lm_head_vocab_ = 0;  // LmHead: the vocabulary dimension, when the graph fixes it
  ModelInfo info_;
  LiveCount<InferenceSession> live_;
};

}  // namespace crossrank::runtime

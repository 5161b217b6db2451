// An ONNX Runtime session for a sequence-classification graph: binds the inputs the graph declares
// and returns its `logits`. Knows nothing of tokenizers or JavaScript.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <onnxruntime_cxx_api.h>

#include "common/live_count.h"
#include "runtime/ort_logging.h"

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
  // Fuse attention and residual+LayerNorm blocks into ORT's contrib kernels at load (runtime/graph_fusion.h).
  // Off by default: on 2 cores it measured no faster (Performance.md, "Where the time goes").
  bool graph_rewrite = false;
};

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

  // Writes batch * num_labels logits, row-major. Safe to call from several threads at once (ORT
  // sessions accept concurrent Run calls). `run_options`, when given, lets another thread stop the run
  // (Ort::RunOptions::SetTerminate). Throws crossrank::Error(Inference).
  void Run(const BatchTensors& batch, float* logits, Ort::RunOptions* run_options = nullptr) const;

 private:
  enum class InputRole { InputIds, AttentionMask, TokenTypeIds };
  struct BoundInput {
    std::string name;
    InputRole role;
    ONNXTensorElementDataType element_type;
  };

  std::unique_ptr<SessionLogId> log_id_;  // outlives session_: ORT logs under it until the session is gone
  std::unique_ptr<Ort::Session> session_;
  std::vector<BoundInput> inputs_;
  bool logits_fp16_ = false;
  ModelInfo info_;
  LiveCount<InferenceSession> live_;
};

}  // namespace crossrank::runtime

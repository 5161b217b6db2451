#include "runtime/session.h"

#include <algorithm>
#include <cstring>

#include <cerrno>

#include "common/error.h"
#include "common/file.h"
#include "runtime/cuda_provider.h"
#include "runtime/graph_fusion.h"
#include "runtime/onnx_graph.h"
#include "runtime/ort_library.h"

namespace crossrank::runtime {
namespace {

const char* ElementTypeName(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return "int64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return "float32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return "float16";
    default: return "an unsupported type";
  }
}

Ort::SessionOptions MakeOptions(const SessionConfig& config, const SessionLogId& log_id, bool shared_pool) {
  Ort::SessionOptions options;
  options.SetLogId(log_id.id().c_str());
  options.SetLogSeverityLevel(OrtSeverityFor(log_id.level()));
  options.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  options.SetExecutionMode(ExecutionMode::ORT_SEQUENTIAL);
  if (shared_pool) {
    // Every model in the process runs on the environment's one pool (see SharedEnv), so two models
    // on two cores use two threads, not four that fight.
    options.DisablePerSessionThreads();
  } else {
    if (config.intra_op_threads > 0) options.SetIntraOpNumThreads(config.intra_op_threads);
    options.SetInterOpNumThreads(1);
    options.SetCustomCreateThreadFn(CreateWorkerThread);
    options.SetCustomJoinThreadFn(JoinWorkerThread);
  }
  // Shapes change with every batch, so a memory pattern planned for one shape is wasted work.
  options.DisableMemPattern();
  // Workers spin only while a batch runs: between the ~200 operators of a run, waking a sleeping
  // worker costs more than the operator on small batches (measured: rag 32 -> 37-41 pairs/s on 2
  // cores). force_spinning_stop ends the spinning as soon as the last Run returns, so an idle or
  // waiting server burns no CPU and leaves the cores to Node between batches.
  options.AddConfigEntry("session.intra_op.allow_spinning", "1");
  options.AddConfigEntry("session.force_spinning_stop", "1");
  options.AddConfigEntry("session.inter_op.allow_spinning", "0");
  if (config.device == Device::Cuda) AppendCudaProvider(options, config);
  return options;
}

}  // namespace

InferenceSession::InferenceSession(const SessionConfig& config) {
  const OrtLibrary& library = LoadOrtLibrary(config.ort_library_path);
  if (!IsRegularFile(config.model_path)) {
    throw Error(ErrorCode::ModelNotFound, "ONNX model file not found: " + config.model_path);
  }
  // The environment first: appending an execution provider logs through it (ORT fails with "Attempt to
  // use DefaultLogger but none has been registered" otherwise, hiding the provider's real error).
  Ort::Env& env = SharedEnv();
  log_id_ = std::make_unique<SessionLogId>(config.log_level);
  // An explicit thread count asks for a pool of the model's own.
  bool shared_pool = config.intra_op_threads == 0 && SharedPoolAvailable();
  FusedGraph fused = config.graph_rewrite ? FuseEncoderGraphFile(config.model_path) : FusedGraph{};
  auto open = [&] {
    if (!fused.model.empty()) {
      try {
        return std::make_unique<Ort::Session>(env, fused.model.data(), fused.model.size(),
                                              MakeOptions(config, *log_id_, shared_pool));
      } catch (const Ort::Exception& e) {
        if (std::string(e.what()).find("GlobalThreadPools") != std::string::npos) throw;
        fused = FusedGraph{};  // ORT refused the rewritten graph: run the file as it is
      }
    }
    return std::make_unique<Ort::Session>(env, config.model_path.c_str(), MakeOptions(config, *log_id_, shared_pool));
  };
  try {
    try {
      session_ = open();
    } catch (const Ort::Exception& e) {
      // Someone else (onnxruntime-node's JS API, say) created the process's ORT environment first,
      // without global pools: ORT then hands us theirs. Fall back to a pool of the session's own.
      if (!shared_pool || std::string(e.what()).find("GlobalThreadPools") == std::string::npos) throw;
      MarkSharedPoolUnavailable();
      shared_pool = false;
      session_ = open();
    }
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::InvalidModel, "cannot load ONNX model " + config.model_path + ": " + e.what());
  }
  info_.thread_pool = shared_pool ? "shared" : "session";
  model_path_ = config.model_path;
  info_.fused_attention = fused.attention;
  info_.fused_skip_layer_norm = fused.skip_layer_norm;
  fused.model = std::string();  // ORT holds its own copy

  Ort::AllocatorWithDefaultOptions allocator;
  const std::string where = " (in " + config.model_path + ")";
  for (size_t i = 0; i < session_->GetInputCount(); ++i) {
    std::string name = session_->GetInputNameAllocated(i, allocator).get();
    Ort::TypeInfo type_info = session_->GetInputTypeInfo(i);  // owns what tensor_info views
    auto tensor_info = type_info.GetTensorTypeAndShapeInfo();
    auto type = tensor_info.GetElementType();
    InputRole role;
    if (name == "input_ids") {
      role = InputRole::InputIds;
    } else if (name == "attention_mask") {
      role = InputRole::AttentionMask;
    } else if (name == "token_type_ids") {
      role = InputRole::TokenTypeIds;
      info_.uses_token_type_ids = true;
    } else if (config.decoder && name == "position_ids") {
      role = InputRole::PositionIds;
    } else if (config.decoder && name.rfind("past_key_values.", 0) == 0) {
      role = InputRole::PastKeyValues;
    } else if (name == "position_ids" || name.rfind("past_key_values.", 0) == 0) {
      throw Error(ErrorCode::InvalidModel,
                  "the graph declares input '" + name + "', as decoder (causal LM) rerankers do; load it with the "
                  "`template` option ('qwen3-reranker', 'mxbai-rerank-v2', 'bge-reranker-gemma' or your own) or "
                  "from a folder whose config.json names its family" + where);
    } else {
      throw Error(ErrorCode::InvalidModel,
                  "the graph declares input '" + name + "'; crossrank feeds only input_ids, attention_mask and " +
                      (config.decoder ? "token_type_ids, and for decoders position_ids and empty past_key_values.*"
                                      : "token_type_ids") + where);
    }
    BoundInput bound{name, role, type, {}};
    if (role == InputRole::PastKeyValues) {
      // Fed as empty caches: no past tokens, so every symbolic dimension but the batch is 0.
      if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT && type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16) {
        throw Error(ErrorCode::InvalidModel,
                    "input '" + name + "' is " + ElementTypeName(type) + "; expected float32 or float16" + where);
      }
      bound.past_shape = tensor_info.GetShape();
      const bool can_be_empty = std::any_of(bound.past_shape.begin() + (bound.past_shape.empty() ? 0 : 1),
                                            bound.past_shape.end(), [](int64_t d) { return d <= 0; });
      if (!can_be_empty) {
        throw Error(ErrorCode::InvalidModel, "input '" + name + "' has no symbolic past-length dimension, so it "
                                             "cannot be fed as an empty cache" + where);
      }
    } else if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 && type != ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32) {
      throw Error(ErrorCode::InvalidModel,
                  "input '" + name + "' is " + ElementTypeName(type) + "; expected int64 or int32" + where);
    }
    inputs_.push_back(std::move(bound));
    info_.input_names.push_back(name);
  }
  auto has = [&](InputRole role) {
    return std::any_of(inputs_.begin(), inputs_.end(), [&](const BoundInput& in) { return in.role == role; });
  };
  if (!has(InputRole::InputIds)) throw Error(ErrorCode::InvalidModel, "the graph has no 'input_ids' input" + where);
  if (!has(InputRole::AttentionMask)) {
    throw Error(ErrorCode::InvalidModel, "the graph has no 'attention_mask' input" + where);
  }

  bool found_logits = false;
  std::vector<std::string> output_names;
  for (size_t i = 0; i < session_->GetOutputCount(); ++i) {
    std::string name = session_->GetOutputNameAllocated(i, allocator).get();
    output_names.push_back(name);
    if (name != "logits") continue;
    found_logits = true;
    Ort::TypeInfo type_info = session_->GetOutputTypeInfo(i);  // owns what shape_info views
    auto shape_info = type_info.GetTensorTypeAndShapeInfo();
    // float16 graphs (Hub repos' onnx/model_fp16.onnx) give float16 logits; scores are float32 anyway.
    const auto logits_type = shape_info.GetElementType();
    if (logits_type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT && logits_type != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16) {
      throw Error(ErrorCode::InvalidModel, std::string("output 'logits' is ") + ElementTypeName(logits_type) +
                                               "; expected float32 or float16" + where);
    }
    logits_fp16_ = logits_type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16;
    info_.logits_type = ElementTypeName(logits_type);
    std::vector<int64_t> shape = shape_info.GetShape();
    if (config.decoder) {
      info_.decoder_output = shape.size() == 3                   ? DecoderOutput::LmHead
                             : shape.size() == 2 && shape[1] == 2 ? DecoderOutput::YesNo
                             : shape.size() == 2 && shape[1] == 1 ? DecoderOutput::SeqCls
                                                                  : DecoderOutput::None;
      if (info_.decoder_output == DecoderOutput::None) {
        std::string dims;
        for (int64_t d : shape) dims += (dims.empty() ? "" : ", ") + (d > 0 ? std::to_string(d) : std::string("?"));
        throw Error(ErrorCode::InvalidModel, "output 'logits' is [" + dims + "]; a decoder reranker's must be "
                                             "[batch, seq, vocab] (the LM head), [batch, 2] ([no, yes] at the last "
                                             "position) or [batch, 1] (a sequence-classification conversion)" + where);
      }
      if (info_.decoder_output == DecoderOutput::LmHead) lm_head_vocab_ = shape[2];
      info_.num_labels = 1;
      continue;
    }
    if (shape.size() != 2) {
      throw Error(ErrorCode::InvalidModel, "output 'logits' has rank " + std::to_string(shape.size()) +
                                               "; expected [batch, num_labels]" +
                                               (shape.size() == 3 ? " (a causal LM's [batch, seq, vocab]: load it with "
                                                                    "the `template` option to use it as a reranker)"
                                                                  : "") + where);
    }
    info_.num_labels = shape[1] > 0 ? shape[1] : config.num_labels_hint;
  }
  if (!found_logits) {
    std::string listed;
    for (const auto& n : output_names) listed += (listed.empty() ? "" : ", ") + n;
    throw Error(ErrorCode::InvalidModel, "the graph has no 'logits' output (outputs: " + listed +
                                             "); export it as a sequence-classification model" + where);
  }
  if (info_.num_labels <= 0) {
    throw Error(ErrorCode::InvalidModel,
                "cannot tell the number of labels: 'logits' has a symbolic second dimension and config.json "
                "gives no num_labels/id2label" + where);
  }
  info_.output_name = "logits";
  info_.embedding_rows = WordEmbeddingRows(config.model_path);
  info_.ort_version = library.version;
  info_.ort_library_path = library.path;
  info_.device = config.device == Device::Cuda ? "cuda:" + std::to_string(config.device_id) : "cpu";
  if (config.device == Device::Cuda) {
    staging_ = std::make_unique<PinnedStaging>(*session_, config.device_id);
    if (!staging_->available()) staging_.reset();
    else info_.input_memory = "pinned";
  }
}

InferenceSession::~InferenceSession() = default;

const char* DecoderOutputName(DecoderOutput form) {
  switch (form) {
    case DecoderOutput::None: return "labels";
    case DecoderOutput::LmHead: return "lm-head";
    case DecoderOutput::YesNo: return "yes-no";
    case DecoderOutput::SeqCls: return "seq-cls";
  }
  return "labels";
}

void InferenceSession::SetAnswerTokens(int64_t yes_id, int64_t no_id) {
  const std::string where = " (in " + model_path_ + ")";
  if (info_.decoder_output == DecoderOutput::YesNo && no_id < 0) {
    throw Error(ErrorCode::InvalidModel, "output 'logits' is [batch, 2], read as [no, yes], but the template scores "
                                         "with its yes token alone; use a [batch, seq, vocab] or [batch, 1] export" + where);
  }
  if (lm_head_vocab_ > 0 && std::max(yes_id, no_id) >= lm_head_vocab_) {
    throw Error(ErrorCode::InvalidModel, "the answer token id " + std::to_string(std::max(yes_id, no_id)) +
                                             " is beyond the LM head's " + std::to_string(lm_head_vocab_) + " columns" + where);
  }
  yes_id_ = yes_id;
  no_id_ = no_id;
}

InferenceSession::DecoderRows InferenceSession::ArrangeDecoderRows(const BatchTensors& batch) const {
  const size_t width = batch.seq_len;
  // The trimmed forms read position -1, so their rows end at the last column, as the models' own
  // code pads them; the LM head is read where each row ends.
  const bool left = info_.decoder_output != DecoderOutput::LmHead;
  DecoderRows out;
  out.ids.assign(batch.input_ids, batch.input_ids + batch.batch * width);
  out.mask.assign(batch.batch * width, 0);
  // Padding gets position 1, as transformers' generate() fills it; real tokens count from 0 whatever
  // the padding (cumsum(mask) - 1), so a row's score does not depend on its batch.
  out.positions.assign(batch.batch * width, 1);
  out.last.resize(batch.batch);
  for (size_t r = 0; r < batch.batch; ++r) {
    const int64_t* mask = batch.attention_mask + r * width;
    size_t length = 0;
    while (length < width && mask[length] != 0) ++length;
    const size_t start = left ? width - length : 0;
    int64_t* ids = out.ids.data() + r * width;
    if (left && start > 0) {
      std::copy_backward(ids, ids + length, ids + width);
      std::fill_n(ids, start, batch.input_ids[r * width + length]);  // the engine's pad id
    }
    std::fill_n(out.mask.begin() + r * width + start, length, 1);
    for (size_t t = 0; t < length; ++t) out.positions[r * width + start + t] = static_cast<int64_t>(t);
    out.last[r] = start + (length > 0 ? length - 1 : 0);
  }
  return out;
}

void InferenceSession::ReadDecoderScores(const Ort::Value& output, const DecoderRows& rows, float* scores) const {
  auto shape_info = output.GetTensorTypeAndShapeInfo();
  const std::vector<int64_t> shape = shape_info.GetShape();
  const size_t batch = rows.last.size();
  const bool lm_head = info_.decoder_output == DecoderOutput::LmHead;
  const int64_t width = lm_head ? (shape.size() == 3 ? shape[2] : 0) : (info_.decoder_output == DecoderOutput::YesNo ? 2 : 1);
  const bool shape_ok = shape.size() == (lm_head ? 3u : 2u) && shape[0] == static_cast<int64_t>(batch) &&
                        (lm_head ? width > std::max(yes_id_, no_id_) && yes_id_ >= 0 &&
                                       shape[1] == static_cast<int64_t>(rows.ids.size() / std::max<size_t>(batch, 1))
                                 : shape[1] == width);
  if (!shape_ok) throw Error(ErrorCode::Inference, "the graph returned 'logits' of an unexpected shape");
  auto at = [&](size_t index) {
    return logits_fp16_ ? output.GetTensorData<Ort::Float16_t>()[index].ToFloat() : output.GetTensorData<float>()[index];
  };
  for (size_t r = 0; r < batch; ++r) {
    switch (info_.decoder_output) {
      case DecoderOutput::LmHead: {
        const size_t base = (r * static_cast<size_t>(shape[1]) + rows.last[r]) * static_cast<size_t>(width);
        scores[r] = at(base + static_cast<size_t>(yes_id_)) - (no_id_ >= 0 ? at(base + static_cast<size_t>(no_id_)) : 0.0f);
        break;
      }
      case DecoderOutput::YesNo: scores[r] = at(r * 2 + 1) - at(r * 2); break;
      default: scores[r] = at(r); break;
    }
  }
}

void InferenceSession::Run(const BatchTensors& batch, float* logits, Ort::RunOptions* run_options) const {
  const int64_t shape[2] = {static_cast<int64_t>(batch.batch), static_cast<int64_t>(batch.seq_len)};
  const size_t count = batch.batch * batch.seq_len;
  const bool decoder = info_.decoder_output != DecoderOutput::None;
  const DecoderRows rows = decoder ? ArrangeDecoderRows(batch) : DecoderRows{};
  auto memory = Ort::MemoryInfo::CreateCpu(OrtDeviceAllocator, OrtMemTypeCPU);
  Ort::AllocatorWithDefaultOptions allocator;
  std::vector<Ort::Value> values;
  std::vector<const char*> names;
  std::vector<std::vector<int32_t>> narrowed;  // only for graphs that declare int32 inputs
  std::vector<PinnedStaging::Lease> staged;      // CUDA: the inputs' page-locked copies, until the run ends
  values.reserve(inputs_.size());
  narrowed.reserve(inputs_.size());
  staged.reserve(inputs_.size());
  for (const BoundInput& input : inputs_) {
    names.push_back(input.name.c_str());
    if (input.role == InputRole::PastKeyValues) {
      std::vector<int64_t> empty = input.past_shape;
      for (size_t d = 0; d < empty.size(); ++d) {
        if (empty[d] <= 0) empty[d] = d == 0 ? shape[0] : 0;
      }
      values.push_back(Ort::Value::CreateTensor(allocator, empty.data(), empty.size(), input.element_type));
      continue;
    }
    const int64_t* data = nullptr;
    switch (input.role) {
      case InputRole::InputIds: data = decoder ? rows.ids.data() : batch.input_ids; break;
      case InputRole::AttentionMask: data = decoder ? rows.mask.data() : batch.attention_mask; break;
      case InputRole::PositionIds: data = rows.positions.data(); break;
      default: data = batch.token_type_ids; break;
    }
    if (input.element_type == ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64) {
      if (staging_) {
        staged.push_back(staging_->Acquire(count * sizeof(int64_t)));
        auto* pinned = static_cast<int64_t*>(staged.back().data());
        std::memcpy(pinned, data, count * sizeof(int64_t));
        values.push_back(Ort::Value::CreateTensor<int64_t>(staging_->memory_info(), pinned, count, shape, 2));
      } else {
        // ORT only reads inputs; the const_cast is the C API's signature, not a write.
        values.push_back(Ort::Value::CreateTensor<int64_t>(memory, const_cast<int64_t*>(data), count, shape, 2));
      }
    } else {
      narrowed.emplace_back(data, data + count);
      values.push_back(Ort::Value::CreateTensor<int32_t>(memory, narrowed.back().data(), count, shape, 2));
    }
  }
  // Only `logits` is asked for: a decoder's present.* outputs are never copied out.
  const char* output_name = info_.output_name.c_str();
  std::vector<Ort::Value> outputs;
  try {
    Ort::RunOptions default_options{nullptr};
    if (!run_options) {
      default_options = Ort::RunOptions();
      run_options = &default_options;
    }
    // Through an IoBinding: inputs bound where they are (pinned host memory on CUDA, copied to the
    // device once per batch), the logits bound to host memory so that ORT copies them back itself.
    Ort::IoBinding binding(*session_);
    for (size_t i = 0; i < values.size(); ++i) binding.BindInput(names[i], values[i]);
    binding.BindOutput(output_name, memory);
    session_->Run(*run_options, binding);
    outputs = binding.GetOutputValues();
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::Inference, std::string("ONNX Runtime failed to run a batch: ") + e.what());
  }
  if (decoder) {
    ReadDecoderScores(outputs[0], rows, logits);
    return;
  }
  auto shape_info = outputs[0].GetTensorTypeAndShapeInfo();
  std::vector<int64_t> out_shape = shape_info.GetShape();
  if (out_shape.size() != 2 || out_shape[0] != shape[0] || out_shape[1] != info_.num_labels) {
    throw Error(ErrorCode::Inference, "the graph returned 'logits' of an unexpected shape; expected [" +
                                          std::to_string(shape[0]) + ", " + std::to_string(info_.num_labels) + "]");
  }
  const size_t count_out = batch.batch * static_cast<size_t>(info_.num_labels);
  if (logits_fp16_) {
    const Ort::Float16_t* half = outputs[0].GetTensorData<Ort::Float16_t>();
    for (size_t i = 0; i < count_out; ++i) logits[i] = half[i].ToFloat();
  } else {
    std::memcpy(logits, outputs[0].GetTensorData<float>(), sizeof(float) * count_out);
  }
}

}  // namespace crossrank::runtime

#include "runtime/session.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include <cerrno>

#include "common/error.h"
#include "runtime/graph_fusion.h"
#include "runtime/onnx_graph.h"
#include "runtime/ort_library.h"

namespace crossrank::runtime {
namespace {

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

const char* ElementTypeName(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64: return "int64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32: return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT: return "float32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16: return "float16";
    default: return "an unsupported type";
  }
}

// The shared library a dlopen failure names ("...: libcudnn.so.9: cannot open shared object file"),
// or "" when the reason is another one.
std::string MissingLibrary(const std::string& reason) {
  const size_t at = reason.rfind(": cannot open shared object file");
  if (at == std::string::npos) return "";
  size_t begin = reason.find_last_of(" /", at == 0 ? 0 : at - 1);
  begin = begin == std::string::npos ? 0 : begin + 1;
  return reason.substr(begin, at - begin);
}

// What to do about a library the CUDA provider could not load, by what the library is.
std::string CudaAdvice(const std::string& library) {
  auto is = [&](const char* prefix) { return library.rfind(prefix, 0) == 0; };
  if (is("libonnxruntime_providers")) {
    return library + " is not beside the ONNX Runtime library: that build has no CUDA provider. Point the "
           "ortLibraryPath option (or CROSSRANK_ORT_LIBRARY) at libonnxruntime.so.1 of a GPU build whose folder "
           "also holds libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so of the same version";
  }
  const char* what = is("libcudnn")                        ? "cuDNN"
                     : is("libcublas")                     ? "cuBLAS"
                     : is("libcudart")                     ? "the CUDA runtime"
                     : is("libcufft") || is("libcurand")   ? "a CUDA math library"
                     : is("libcuda.so")                    ? "the NVIDIA driver"
                                                           : nullptr;
  if (!what) return "";
  return library + " (" + what + ") could not be loaded: install the version the ONNX Runtime GPU build was made "
         "for, or add the folder that holds it (e.g. the lib/ folder of pip's nvidia-* wheels) to LD_LIBRARY_PATH";
}

void AppendCuda(Ort::SessionOptions& options, const SessionConfig& config) {
  const OrtApi& api = Ort::GetApi();
  OrtCUDAProviderOptionsV2* cuda = nullptr;
  auto fail = [&](OrtStatus* status) {
    std::string reason = api.GetErrorMessage(status);
    api.ReleaseStatus(status);
    if (cuda) api.ReleaseCUDAProviderOptions(cuda);
    std::string advice = CudaAdvice(MissingLibrary(reason));
    if (advice.empty()) {
      advice = "Point the ortLibraryPath option (or CROSSRANK_ORT_LIBRARY) at libonnxruntime.so.1 of a GPU build "
               "whose folder also holds libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so of "
               "the same version, with matching CUDA and cuDNN installed";
    }
    throw Error(ErrorCode::CudaUnavailable, "device 'cuda' is unavailable with the ONNX Runtime at " +
                                                config.ort_library_path + ": " + advice + ". ONNX Runtime said: " + reason);
  };
  if (OrtStatus* status = api.CreateCUDAProviderOptions(&cuda)) fail(status);
  const std::string device_id = std::to_string(config.device_id);
  // kSameAsRequested keeps the arena from doubling past what batches need; no convolutions, so the
  // cuDNN algorithm search is irrelevant and HEURISTIC avoids probing.
  const char* keys[] = {"device_id", "arena_extend_strategy", "cudnn_conv_algo_search", "do_copy_in_default_stream"};
  const char* values[] = {device_id.c_str(), "kSameAsRequested", "HEURISTIC", "1"};
  if (OrtStatus* status = api.UpdateCUDAProviderOptions(cuda, keys, values, 4)) fail(status);
  if (OrtStatus* status = api.SessionOptionsAppendExecutionProvider_CUDA_V2(options, cuda)) fail(status);
  api.ReleaseCUDAProviderOptions(cuda);
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
  if (config.device == Device::Cuda) AppendCuda(options, config);
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
  info_.fused_attention = fused.attention;
  info_.fused_skip_layer_norm = fused.skip_layer_norm;
  fused.model = std::string();  // ORT holds its own copy

  Ort::AllocatorWithDefaultOptions allocator;
  const std::string where = " (in " + config.model_path + ")";
  for (size_t i = 0; i < session_->GetInputCount(); ++i) {
    std::string name = session_->GetInputNameAllocated(i, allocator).get();
    auto type = session_->GetInputTypeInfo(i).GetTensorTypeAndShapeInfo().GetElementType();
    InputRole role;
    if (name == "input_ids") {
      role = InputRole::InputIds;
    } else if (name == "attention_mask") {
      role = InputRole::AttentionMask;
    } else if (name == "token_type_ids") {
      role = InputRole::TokenTypeIds;
      info_.uses_token_type_ids = true;
    } else {
      throw Error(ErrorCode::InvalidModel, "the graph declares input '" + name +
                                               "'; crossrank feeds only input_ids, attention_mask and token_type_ids" + where);
    }
    if (type != ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 && type != ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32) {
      throw Error(ErrorCode::InvalidModel,
                  "input '" + name + "' is " + ElementTypeName(type) + "; expected int64 or int32" + where);
    }
    inputs_.push_back({name, role, type});
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
    if (shape.size() != 2) {
      throw Error(ErrorCode::InvalidModel, "output 'logits' has rank " + std::to_string(shape.size()) +
                                               "; expected [batch, num_labels]" + where);
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
}

InferenceSession::~InferenceSession() = default;

void InferenceSession::Run(const BatchTensors& batch, float* logits, Ort::RunOptions* run_options) const {
  const int64_t shape[2] = {static_cast<int64_t>(batch.batch), static_cast<int64_t>(batch.seq_len)};
  const size_t count = batch.batch * batch.seq_len;
  auto memory = Ort::MemoryInfo::CreateCpu(OrtDeviceAllocator, OrtMemTypeCPU);
  std::vector<Ort::Value> values;
  std::vector<const char*> names;
  std::vector<std::vector<int32_t>> narrowed;  // only for graphs that declare int32 inputs
  values.reserve(inputs_.size());
  narrowed.reserve(inputs_.size());
  for (const BoundInput& input : inputs_) {
    const int64_t* data = input.role == InputRole::InputIds        ? batch.input_ids
                          : input.role == InputRole::AttentionMask ? batch.attention_mask
                                                                   : batch.token_type_ids;
    if (input.element_type == ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64) {
      // ORT only reads inputs; the const_cast is the C API's signature, not a write.
      values.push_back(Ort::Value::CreateTensor<int64_t>(memory, const_cast<int64_t*>(data), count, shape, 2));
    } else {
      narrowed.emplace_back(data, data + count);
      values.push_back(Ort::Value::CreateTensor<int32_t>(memory, narrowed.back().data(), count, shape, 2));
    }
    names.push_back(input.name.c_str());
  }
  const char* output_name = info_.output_name.c_str();
  std::vector<Ort::Value> outputs;
  try {
    Ort::RunOptions default_options{nullptr};
    if (!run_options) {
      default_options = Ort::RunOptions();
      run_options = &default_options;
    }
    outputs = session_->Run(*run_options, names.data(), values.data(), values.size(), &output_name, 1);
  } catch (const Ort::Exception& e) {
    throw Error(ErrorCode::Inference, std::string("ONNX Runtime failed to run a batch: ") + e.what());
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

#include "runtime/cuda_provider.h"

#include <cstddef>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/file.h"
#include "runtime/ort_library.h"

namespace crossrank::runtime {
namespace {

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
  if (library.empty()) {
    return "Point the ortLibraryPath option (or CROSSRANK_ORT_LIBRARY) at libonnxruntime.so.1 of a GPU build "
           "whose folder also holds libonnxruntime_providers_cuda.so and libonnxruntime_providers_shared.so of "
           "the same version, with matching CUDA and cuDNN installed";
  }
  const char* what = is("libcudnn")                        ? "cuDNN"
                     : is("libcublas")                     ? "cuBLAS"
                     : is("libcudart")                     ? "the CUDA runtime"
                     : is("libcufft") || is("libcurand")   ? "a CUDA math library"
                     : is("libcuda.so")                    ? "the NVIDIA driver"
                                                           : "a library the CUDA provider needs";
  return library + " (" + what + ") could not be loaded: install the version the ONNX Runtime GPU build was made "
         "for, or add the folder that holds it (e.g. the lib/ folder of pip's nvidia-* wheels) to LD_LIBRARY_PATH";
}

std::string TakeMessage(OrtStatus* status) {
  std::string message = Ort::GetApi().GetErrorMessage(status);
  Ort::GetApi().ReleaseStatus(status);
  return message;
}

[[noreturn]] void Unavailable(const SessionConfig& config, const std::string& advice, const std::string& reason) {
  throw Error(ErrorCode::CudaUnavailable, "device 'cuda' is unavailable with the ONNX Runtime at " +
                                              config.ort_library_path + ": " + advice + ". ONNX Runtime said: " + reason);
}

// kSameAsRequested keeps the arena from doubling past what batches need; no convolutions, so the
// cuDNN algorithm search is irrelevant and HEURISTIC avoids probing.
constexpr const char* kOptionKeys[] = {"arena_extend_strategy", "cudnn_conv_algo_search", "do_copy_in_default_stream"};
constexpr const char* kOptionValues[] = {"kSameAsRequested", "HEURISTIC", "1"};
constexpr size_t kOptionCount = sizeof(kOptionKeys) / sizeof(kOptionKeys[0]);

// The classic route; returns ORT's failure instead of throwing, so that the plugin route can follow.
OrtStatus* AppendClassic(Ort::SessionOptions& options, const SessionConfig& config) {
  const OrtApi& api = Ort::GetApi();
  OrtCUDAProviderOptionsV2* cuda = nullptr;
  if (OrtStatus* status = api.CreateCUDAProviderOptions(&cuda)) return status;
  std::vector<const char*> keys{"device_id"}, values;
  const std::string device_id = std::to_string(config.device_id);
  values.push_back(device_id.c_str());
  keys.insert(keys.end(), std::begin(kOptionKeys), std::end(kOptionKeys));
  values.insert(values.end(), std::begin(kOptionValues), std::end(kOptionValues));
  OrtStatus* status = api.UpdateCUDAProviderOptions(cuda, keys.data(), values.data(), keys.size());
  if (!status) status = api.SessionOptionsAppendExecutionProvider_CUDA_V2(options, cuda);
  api.ReleaseCUDAProviderOptions(cuda);
  return status;
}

// ---- the plugin route (API 22) ----
// The headers crossrank builds against may predate API 22 (Debian's are 21). OrtApi only ever grows at
// its end, so an entry's slot never moves: the runtime's API-22 table is read at the slots the 1.22+
// headers give these entries (checked below whenever the headers are new enough).
constexpr size_t kRegisterExecutionProviderLibrary = 301;
constexpr size_t kGetEpDevices = 303;
constexpr size_t kSessionOptionsAppendExecutionProvider_V2 = 304;
constexpr size_t kEpDeviceEpName = 312;
#if ORT_API_VERSION >= 22
static_assert(offsetof(OrtApi, RegisterExecutionProviderLibrary) == kRegisterExecutionProviderLibrary * sizeof(void*));
static_assert(offsetof(OrtApi, GetEpDevices) == kGetEpDevices * sizeof(void*));
static_assert(offsetof(OrtApi, SessionOptionsAppendExecutionProvider_V2) ==
              kSessionOptionsAppendExecutionProvider_V2 * sizeof(void*));
static_assert(offsetof(OrtApi, EpDevice_EpName) == kEpDeviceEpName * sizeof(void*));
#endif

using EpDevice = void;  // OrtEpDevice, opaque
using RegisterLibraryFn = OrtStatus*(ORT_API_CALL*)(OrtEnv*, const char*, const ORTCHAR_T*);
using GetEpDevicesFn = OrtStatus*(ORT_API_CALL*)(const OrtEnv*, const EpDevice* const**, size_t*);
using AppendV2Fn = OrtStatus*(ORT_API_CALL*)(OrtSessionOptions*, OrtEnv*, const EpDevice* const*, size_t,
                                             const char* const*, const char* const*, size_t);
using EpNameFn = const char*(ORT_API_CALL*)(const EpDevice*);

template <typename Fn>
Fn Slot(const OrtApi* api, size_t slot) {
  Fn fn;
  std::memcpy(&fn, reinterpret_cast<const char*>(api) + slot * sizeof(void*), sizeof fn);
  return fn;
}

std::string Folder(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// Registers the plugin once per process (the environment keeps it); returns ORT's failure, if any.
OrtStatus* RegisterOnce(const OrtApi* api, OrtEnv* env, const std::string& plugin) {
  static std::mutex mutex;
  static bool registered = false;
  std::lock_guard<std::mutex> lock(mutex);
  if (registered) return nullptr;
  OrtStatus* status = Slot<RegisterLibraryFn>(api, kRegisterExecutionProviderLibrary)(env, "crossrank.cuda", plugin.c_str());
  registered = status == nullptr;
  return status;
}

void AppendPlugin(Ort::SessionOptions& options, const SessionConfig& config, const OrtApi* api,
                  const std::string& plugin, const std::string& classic_reason) {
  OrtEnv* env = SharedEnv();
  if (OrtStatus* status = RegisterOnce(api, env, plugin)) {
    const std::string reason = TakeMessage(status);
    Unavailable(config, CudaAdvice(MissingLibrary(reason)), reason);
  }
  const EpDevice* const* devices = nullptr;
  size_t count = 0;
  if (OrtStatus* status = Slot<GetEpDevicesFn>(api, kGetEpDevices)(env, &devices, &count)) {
    const std::string reason = TakeMessage(status);
    Unavailable(config, CudaAdvice(""), reason);
  }
  const auto ep_name = Slot<EpNameFn>(api, kEpDeviceEpName);
  std::vector<const EpDevice*> gpus;
  for (size_t i = 0; i < count; ++i) {
    const char* name = ep_name(devices[i]);
    if (name && std::strcmp(name, "CUDAExecutionProvider") == 0) gpus.push_back(devices[i]);
  }
  if (gpus.empty()) {
    Unavailable(config,
                "its CUDA provider (" + plugin + ") loaded but found no GPU: check that the NVIDIA driver is "
                "installed and a device is visible (nvidia-smi, CUDA_VISIBLE_DEVICES)",
                classic_reason);
  }
  if (static_cast<size_t>(config.device_id) >= gpus.size()) {
    throw Error(ErrorCode::InvalidArgument, "options.deviceId is " + std::to_string(config.device_id) + ", but only " +
                                                std::to_string(gpus.size()) + " CUDA device(s) are visible");
  }
  const EpDevice* chosen = gpus[static_cast<size_t>(config.device_id)];
  if (OrtStatus* status = Slot<AppendV2Fn>(api, kSessionOptionsAppendExecutionProvider_V2)(
          options, env, &chosen, 1, kOptionKeys, kOptionValues, kOptionCount)) {
    const std::string reason = TakeMessage(status);
    Unavailable(config, CudaAdvice(MissingLibrary(reason)), reason);
  }
}

}  // namespace

void AppendCudaProvider(Ort::SessionOptions& options, const SessionConfig& config) {
  OrtStatus* classic = AppendClassic(options, config);
  if (!classic) return;
  const std::string classic_reason = TakeMessage(classic);
  const OrtLibrary& library = LoadOrtLibrary(config.ort_library_path);
  const std::string plugin = Folder(library.path) + "/libonnxruntime_providers_cuda.so";
  if (library.api_v22 && IsRegularFile(plugin)) {
    AppendPlugin(options, config, library.api_v22, plugin, classic_reason);
    return;
  }
  Unavailable(config, CudaAdvice(MissingLibrary(classic_reason)), classic_reason);
}

}  // namespace crossrank::runtime

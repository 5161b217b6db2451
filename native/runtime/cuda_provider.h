// Puts ONNX Runtime's CUDA execution provider on a session's options, whichever way the loaded runtime
// offers it, or says precisely why it cannot.
#pragma once

#include <onnxruntime_cxx_api.h>

#include "runtime/session.h"

namespace crossrank::runtime {

// Builds made with CUDA take the classic provider options; builds whose CUDA provider is a plugin
// library (ORT >= 1.22: libonnxruntime_providers_cuda.so exporting CreateEpFactories, as the asus4
// 1.29 set ships it) have it registered with the environment and appended by device. Throws
// crossrank::Error(CudaUnavailable) naming the library that failed to load and how to provide it.
void AppendCudaProvider(Ort::SessionOptions& options, const SessionConfig& config);

}  // namespace crossrank::runtime

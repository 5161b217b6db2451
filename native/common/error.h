// One error type for the runtime, engine and addon layers. The code travels to JavaScript unchanged
// as `CrossrankError.code`, so codes are part of the public API: add, never rename.
#pragma once

#include <stdexcept>
#include <string>

namespace crossrank {

enum class ErrorCode {
  InvalidArgument,   // a caller's value is wrong (which argument, and why, is in the message)
  ModelNotFound,     // model folder or file missing
  InvalidModel,      // the ONNX graph or config is unusable
  InvalidTokenizer,  // tokenizer.json is malformed or uses an unsupported component
  OrtUnavailable,    // the ONNX Runtime library could not be loaded or is too old
  CudaUnavailable,   // device 'cuda' requested but the loaded runtime cannot provide it
  Truncation,        // the requested truncation cannot be satisfied for an input
  Inference,         // ONNX Runtime failed while running a batch
  Closed,            // the reranker was closed
  QueueFull,         // backpressure: too many pairs are queued
  Aborted,           // the caller's AbortSignal fired
};

inline const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "INVALID_ARGUMENT";
    case ErrorCode::ModelNotFound: return "MODEL_NOT_FOUND";
    case ErrorCode::InvalidModel: return "INVALID_MODEL";
    case ErrorCode::InvalidTokenizer: return "INVALID_TOKENIZER";
    case ErrorCode::OrtUnavailable: return "ORT_UNAVAILABLE";
    case ErrorCode::CudaUnavailable: return "CUDA_UNAVAILABLE";
    case ErrorCode::Truncation: return "TRUNCATION_ERROR";
    case ErrorCode::Inference: return "INFERENCE_FAILED";
    case ErrorCode::Closed: return "CLOSED";
    case ErrorCode::QueueFull: return "QUEUE_FULL";
    case ErrorCode::Aborted: return "ABORTED";
  }
  return "UNKNOWN";
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace crossrank

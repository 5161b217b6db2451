// Loads the ONNX Runtime shared library at run time. We never link against it: a link-time
// dependency pins one build (symbol versions), while users must be able to point at a GPU build.
#pragma once

#include <string>

#include <onnxruntime_cxx_api.h>

namespace crossrank::runtime {

struct OrtLibrary {
  std::string path;     // the file that was dlopen'ed
  std::string version;  // the runtime's own version string, e.g. "1.30.0"
  // The runtime's function table at API 22 (plugin execution providers), when it is that new; null
  // otherwise. Our headers may be older than 22, so its newer entries are read by slot (cuda_provider.cc).
  const OrtApi* api_v22 = nullptr;
};

// Loads the library once per process and initialises the C++ API over it. ORT keeps process-wide
// state (one OrtEnv, provider libraries), so a second, different path is an error rather than a
// second runtime. Thread-safe. Throws crossrank::Error(OrtUnavailable).
const OrtLibrary& LoadOrtLibrary(const std::string& path);

// The process-wide environment, created on first use after LoadOrtLibrary, with one global intra-op
// pool (one thread per physical core, spinning only during runs, below the event loop's priority)
// that sessions share.
Ort::Env& SharedEnv();

// Whether sessions can use SharedEnv's global pool: false once ORT turned out to hand back an
// environment created elsewhere without one.
bool SharedPoolAvailable();
void MarkSharedPoolUnavailable();

// ORT's worker threads are created through these so that they run below the event loop's priority
// (see common/thread_priority.h).
OrtCustomThreadHandle CreateWorkerThread(void* options, OrtThreadWorkerFn work, void* param);
void JoinWorkerThread(OrtCustomThreadHandle handle);

}  // namespace crossrank::runtime

#include "runtime/ort_library.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "common/thread_priority.h"
#include "runtime/ort_logging.h"
#include "runtime/process_exit.h"

namespace crossrank::runtime {
namespace {

std::mutex g_mutex;
std::unique_ptr<OrtLibrary> g_library;

std::string CanonicalPath(const std::string& path) {
  char resolved[PATH_MAX];
  return realpath(path.c_str(), resolved) ? std::string(resolved) : path;
}

[[noreturn]] void Fail(const std::string& message) { throw Error(ErrorCode::OrtUnavailable, message); }

// "1.30.0" -> 30; the C API version equals the minor version for every 1.x release.
int MinorVersion(const char* version) {
  int major = 0, minor = 0;
  if (std::sscanf(version, "%d.%d", &major, &minor) != 2 || major != 1) return -1;
  return minor;
}

}  // namespace

const OrtLibrary& LoadOrtLibrary(const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const std::string canonical = CanonicalPath(path);
  if (g_library) {
    if (g_library->path != canonical) {
      Fail("ONNX Runtime is already loaded in this process from " + g_library->path +
           "; cannot also load " + canonical + " (use one ortLibraryPath per process)");
    }
    return *g_library;
  }
  // RTLD_LOCAL keeps ORT's symbols out of the global namespace. The handle is never dlclose'd: ORT has
  // static destructors and provider libraries that must outlive every session.
  void* handle = dlopen(canonical.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* reason = dlerror();
    Fail("cannot load the ONNX Runtime library " + canonical + ": " + (reason ? reason : "unknown error") +
         ". Set the ortLibraryPath option or CROSSRANK_ORT_LIBRARY to libonnxruntime.so.1 (ORT >= 1." +
         std::to_string(ORT_API_VERSION) + ")");
  }
  using GetApiBaseFn = const OrtApiBase* (*)();
  auto get_api_base = reinterpret_cast<GetApiBaseFn>(dlsym(handle, "OrtGetApiBase"));
  if (!get_api_base) Fail(canonical + " does not export OrtGetApiBase; is it an ONNX Runtime library?");
  const OrtApiBase* base = get_api_base();
  const char* version = base->GetVersionString();
  if (MinorVersion(version) < ORT_API_VERSION) {
    Fail("the ONNX Runtime at " + canonical + " is version " + version + ", older than the 1." +
         std::to_string(ORT_API_VERSION) + " API crossrank was built against; point ortLibraryPath at a newer one");
  }
  const OrtApi* api = base->GetApi(ORT_API_VERSION);
  if (!api) {
    Fail("the ONNX Runtime at " + canonical + " (version " + version + ") does not provide API version " +
         std::to_string(ORT_API_VERSION));
  }
  Ort::InitApi(api);
  // After dlopen, so that at exit our handler runs before the destructors the library registered.
  InstallExitHandler();
  const OrtApi* api_v22 = MinorVersion(version) >= 22 ? base->GetApi(22) : nullptr;
  g_library = std::make_unique<OrtLibrary>(OrtLibrary{canonical, version, api_v22});
  return *g_library;
}

namespace {
std::atomic<bool> g_shared_pool{true};
}  // namespace

bool SharedPoolAvailable() { return g_shared_pool.load(); }
void MarkSharedPoolUnavailable() { g_shared_pool.store(false); }

OrtCustomThreadHandle CreateWorkerThread(void*, OrtThreadWorkerFn work, void* param) {
  auto* thread = new std::thread([work, param] {
    LowerCurrentThreadPriority();
    work(param);
  });
  return reinterpret_cast<OrtCustomThreadHandle>(thread);
}

void JoinWorkerThread(OrtCustomThreadHandle handle) {
  auto* thread = reinterpret_cast<std::thread*>(const_cast<OrtCustomHandleType*>(handle));
  thread->join();
  delete thread;
}

Ort::Env& SharedEnv() {
  // Deliberately never destroyed: releasing ORT's environment during process exit races its own static
  // destructors (microsoft/onnxruntime#24579); sessions are released explicitly on close().
  // Every log line goes through OrtLogSink (see runtime/ort_logging.h); sessions set their own level.
  static Ort::Env* env = [] {
    Ort::ThreadingOptions pools;
    pools.SetGlobalIntraOpNumThreads(0);  // ORT's default: one per physical core
    pools.SetGlobalInterOpNumThreads(1);
    // Spinning between a run's operators is worth 15-25% on small batches; each session's
    // session.force_spinning_stop ends it when its run returns.
    pools.SetGlobalSpinControl(1);
    pools.SetGlobalCustomCreateThreadFn(CreateWorkerThread);
    pools.SetGlobalCustomJoinThreadFn(JoinWorkerThread);
    return new Ort::Env(pools, OrtLogSink, nullptr, OrtSeverityFor(ProcessLogLevel()), "crossrank");
  }();
  return *env;
}

}  // namespace crossrank::runtime

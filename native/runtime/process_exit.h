// process.exit() (and any other exit() of the host) runs static destructors, ONNX Runtime's included,
// while our threads may still be inside it: an engine running a batch, a load building a session.
// One handler, registered right after the runtime is loaded so that it runs before the runtime's own
// destructors, stops every registered user and waits for the rest to leave ORT.
#pragma once

#include <functional>

namespace crossrank::runtime {

// Registers the exit handler once per process; LoadOrtLibrary calls it after dlopen.
void InstallExitHandler();

// While alive, `stop` is called at process exit (from the exiting thread) and must return only when its
// owner no longer uses ORT. For engines, whose threads can be told to stop.
class ExitStopper {
 public:
  explicit ExitStopper(std::function<void()> stop);
  ~ExitStopper();
  ExitStopper(const ExitStopper&) = delete;
  ExitStopper& operator=(const ExitStopper&) = delete;
  void Stop();

 private:
  std::function<void()> stop_;
};

// While alive, process exit waits for it to end. For work that cannot be interrupted (building a
// session on a libuv thread); keep such scopes short-lived.
class ExitBarrier {
 public:
  ExitBarrier();
  ~ExitBarrier();
  ExitBarrier(const ExitBarrier&) = delete;
  ExitBarrier& operator=(const ExitBarrier&) = delete;
};

}  // namespace crossrank::runtime

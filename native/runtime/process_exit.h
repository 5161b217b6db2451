// process.exit() (and any other exit() of the host) runs static destructors, ONNX Runtime's included,
// while our threads may still be inside it: an engine running a batch, a load building a session.
// StopForExit stops every registered user and waits for the rest to leave ORT. lib/ calls it from
// the main thread's 'exit' event, which Node emits before exit() (process.exit(), an uncaught
// exception, a drained loop); an atexit handler, registered right after the runtime is loaded, is
// the fallback for other exits, but it runs only before the destructors ORT registered by then (ORT
// creates some statics lazily, during runs: those would already be gone).
#pragma once

#include <functional>

namespace crossrank::runtime {

// Registers the atexit fallback once per process; LoadOrtLibrary calls it after dlopen.
void InstallExitHandler();

// Stops every engine in the process and waits for loads still inside ORT. Idempotent; afterwards
// engines refuse new calls (Closed) and new loads are waited for at the next call.
void StopForExit();

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

#include "runtime/process_exit.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <vector>

namespace crossrank::runtime {
namespace {

// Leaked on purpose: they must outlive static destruction, which is when they are needed.
struct ExitState {
  std::mutex mu;
  std::condition_variable barrier_left;
  std::vector<ExitStopper*> stoppers;
  size_t barriers = 0;
  bool exiting = false;
};

ExitState& State() {
  static ExitState* state = new ExitState();
  return *state;
}

void StopEverything() {
  ExitState& state = State();
  std::vector<ExitStopper*> stoppers;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    state.exiting = true;
    stoppers = state.stoppers;
  }
  // Stoppers unregister themselves only from their destructors, which do not run during exit, so the
  // copied pointers stay valid. Each call stops its own threads without taking state.mu.
  for (ExitStopper* stopper : stoppers) stopper->Stop();
  std::unique_lock<std::mutex> lock(state.mu);
  state.barrier_left.wait(lock, [&] { return state.barriers == 0; });
}

}  // namespace

void StopForExit() { StopEverything(); }

void InstallExitHandler() {
  static std::once_flag once;
  std::call_once(once, [] {
    State();
    std::atexit(StopEverything);
  });
}

ExitStopper::ExitStopper(std::function<void()> stop) : stop_(std::move(stop)) {
  ExitState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.stoppers.push_back(this);
}

ExitStopper::~ExitStopper() {
  ExitState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.stoppers.erase(std::remove(state.stoppers.begin(), state.stoppers.end(), this), state.stoppers.end());
}

void ExitStopper::Stop() { stop_(); }

ExitBarrier::ExitBarrier() {
  ExitState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  ++state.barriers;
}

ExitBarrier::~ExitBarrier() {
  ExitState& state = State();
  {
    std::lock_guard<std::mutex> lock(state.mu);
    --state.barriers;
  }
  state.barrier_left.notify_all();
}

}  // namespace crossrank::runtime

// Inference and tokenization are background work next to Node's event loop. When every core is busy
// scoring, the loop must still get a core the moment it wakes, or its latency grows with our load.
// Our threads therefore run at a lower scheduling priority (a per-thread nice value on Linux); when
// the loop is idle they still get all the CPU, so throughput does not change.
#pragma once

#if defined(__linux__)
#include <sys/resource.h>
#include <cerrno>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace crossrank {

// How much nicer than the process our worker threads are. CFS gives a nice-5 thread about a third of
// a nice-0 thread's weight, enough for the event loop to preempt it on wake-up.
constexpr int kWorkerNiceIncrement = 5;

inline void LowerCurrentThreadPriority() {
#if defined(__linux__)
  // On Linux, PRIO_PROCESS with a thread id applies to that thread alone.
  const auto tid = static_cast<id_t>(syscall(SYS_gettid));
  errno = 0;
  const int current = getpriority(PRIO_PROCESS, tid);
  if (errno == 0) (void)setpriority(PRIO_PROCESS, tid, current + kWorkerNiceIncrement);
#endif
}

}  // namespace crossrank

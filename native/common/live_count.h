// Counts the live instances of a type, process-wide. Tests read the counts through the binding to
// prove that every way an environment can end frees what it owned (a leak shows as a count that
// never returns to its baseline); the cost is one relaxed atomic add per construction.
#pragma once

#include <atomic>
#include <cstdint>

namespace crossrank {

template <typename Owner>
class LiveCount {
 public:
  LiveCount() { counter().fetch_add(1, std::memory_order_relaxed); }
  LiveCount(const LiveCount&) : LiveCount() {}
  LiveCount& operator=(const LiveCount&) { return *this; }
  ~LiveCount() { counter().fetch_sub(1, std::memory_order_relaxed); }

  static int64_t now() { return counter().load(std::memory_order_relaxed); }

 private:
  static std::atomic<int64_t>& counter() {
    static std::atomic<int64_t> count{0};
    return count;
  }
};

}  // namespace crossrank

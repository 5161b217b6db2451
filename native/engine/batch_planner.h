// Decides which tokenized pairs run together. Pure bookkeeping, no threads: the engine calls it under
// its lock.
//
// Policy: pending calls take turns as the batch's anchor (round robin), so a small call waits at most
// one batch per call ahead of it and a large call still gets every n-th batch. The anchor contributes
// its shortest pending pairs; pairs of other calls that are no longer than the batch's longest fill the
// rest of the token budget, so concurrent calls share batches without adding padding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <vector>

namespace crossrank::engine {

struct PlannedPair {
  uint64_t request = 0;
  uint32_t index = 0;   // the pair's position in its call
  uint32_t length = 0;  // tokens, special tokens included
};

class BatchPlanner {
 public:
  // max_batch_tokens counts padded tokens (batch size x longest pair); a single pair longer than the
  // budget still runs, alone.
  BatchPlanner(size_t max_batch_tokens, size_t max_batch_size);

  void Add(uint64_t request, const std::vector<PlannedPair>& pairs);
  void Remove(uint64_t request);  // drops the call's pending pairs
  bool empty() const { return queues_.empty(); }
  size_t pending_pairs() const { return pending_; }

  // The next batch; empty only when nothing is pending.
  std::vector<PlannedPair> Next();

 private:
  struct Queue {
    uint64_t request;
    std::multimap<uint32_t, PlannedPair> by_length;
  };
  bool Fits(size_t count, uint32_t longest) const;

  size_t max_batch_tokens_;
  size_t max_batch_size_;
  size_t pending_ = 0;
  std::list<Queue> queues_;  // round-robin order; front is the next anchor
};

}  // namespace crossrank::engine

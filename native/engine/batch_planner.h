// Decides which tokenized pairs run together. Pure bookkeeping, no threads: the engine calls it under
// its lock.
//
// Policy: pending calls take turns as the batch's anchor (round robin), so a small call waits at most
// one batch per call ahead of it and a large call still gets every n-th batch. The anchor contributes
// its shortest pending pairs; pairs of other calls that are no longer than the batch's longest fill the
// rest, so concurrent calls share batches without adding padding.
//
// How many of the anchor's pairs: without a cost model, as many as fit the limits (greedy). With one,
// the first batch of the split of its shortest pending pairs that minimises their total predicted
// time (so per-batch overhead is weighed against padding), no larger than the knee of predicted time
// per pair at its length and within the same limits; other calls' pairs join up to that size, each
// only if it adds less time here than it would cost in a batch of its own length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "engine/cost_model.h"

namespace crossrank::engine {

struct PlannedPair {
  uint64_t request = 0;
  uint32_t index = 0;   // the pair's position in its call
  uint32_t length = 0;  // tokens, special tokens included
};

struct BatchLimits {
  // Padded tokens (batch size x longest pair); a single pair longer than the budget still runs, alone.
  size_t max_batch_tokens = 512;
  size_t max_batch_size = 64;
};

class BatchPlanner {
 public:
  BatchPlanner(BatchLimits limits, std::optional<CostModel> model);

  void Add(uint64_t request, const std::vector<PlannedPair>& pairs);
  void Remove(uint64_t request);  // drops the call's pending pairs
  bool empty() const { return queues_.empty(); }
  size_t pending_pairs() const { return pending_; }

  // The next batch; empty only when nothing is pending.
  std::vector<PlannedPair> Next();

  const BatchLimits& limits() const { return limits_; }
  const std::optional<CostModel>& model() const { return model_; }
  // Rows of `length`-token pairs that the planner puts in one batch when that many are pending: all
  // the limits allow without a model; with one, the knee of predicted time per pair (see .cc).
  size_t RowsFor(uint32_t length) const;

 private:
  struct Queue {
    uint64_t request;
    std::multimap<uint32_t, PlannedPair> by_length;
  };
  bool Fits(size_t count, uint32_t longest) const;
  // How many of the anchor's shortest pairs (ascending `lengths`) form the next batch.
  size_t AnchorCount(const std::vector<uint32_t>& lengths) const;
  // Predicted ms per pair of `rows` pairs padded to `length`: the best a pair of that length can do.
  double PerPair(size_t rows, uint32_t length) const { return model_->Predict(rows, length) / static_cast<double>(rows); }

  BatchLimits limits_;
  std::optional<CostModel> model_;
  size_t pending_ = 0;
  std::list<Queue> queues_;  // round-robin order; front is the next anchor
  mutable std::unordered_map<uint32_t, size_t> rows_for_;  // RowsFor by length, with a model
};

}  // namespace crossrank::engine

#include "engine/batch_planner.h"

#include <algorithm>
#include <iterator>

namespace crossrank::engine {

BatchPlanner::BatchPlanner(size_t max_batch_tokens, size_t max_batch_size)
    : max_batch_tokens_(std::max<size_t>(1, max_batch_tokens)), max_batch_size_(std::max<size_t>(1, max_batch_size)) {}

void BatchPlanner::Add(uint64_t request, const std::vector<PlannedPair>& pairs) {
  if (pairs.empty()) return;
  Queue queue{request, {}};
  for (const PlannedPair& pair : pairs) queue.by_length.emplace(pair.length, pair);
  pending_ += pairs.size();
  queues_.push_back(std::move(queue));
}

void BatchPlanner::Remove(uint64_t request) {
  for (auto it = queues_.begin(); it != queues_.end(); ++it) {
    if (it->request == request) {
      pending_ -= it->by_length.size();
      queues_.erase(it);
      return;
    }
  }
}

bool BatchPlanner::Fits(size_t count, uint32_t longest) const {
  return count <= max_batch_size_ && count * longest <= max_batch_tokens_;
}

std::vector<PlannedPair> BatchPlanner::Next() {
  std::vector<PlannedPair> batch;
  if (queues_.empty()) return batch;

  // The anchor's shortest pairs first: consecutive runs of a length-sorted list pad least.
  Queue& anchor = queues_.front();
  auto& own = anchor.by_length;
  uint32_t longest = own.begin()->first;
  while (!own.empty()) {
    const uint32_t length = own.begin()->first;  // ascending, so this is the batch's new longest
    if (!batch.empty() && !Fits(batch.size() + 1, length)) break;
    batch.push_back(own.begin()->second);
    longest = length;
    own.erase(own.begin());
  }

  // Top up from the other calls with pairs that fit under the batch's longest, longest first.
  for (auto queue = std::next(queues_.begin()); queue != queues_.end() && Fits(batch.size() + 1, longest); ++queue) {
    auto& others = queue->by_length;
    auto it = others.upper_bound(longest);
    while (it != others.begin() && Fits(batch.size() + 1, longest)) {
      --it;
      batch.push_back(it->second);
      it = others.erase(it);
    }
  }

  pending_ -= batch.size();
  // Rotate: the anchor goes to the back; calls drained by the top-up leave the rotation.
  queues_.splice(queues_.end(), queues_, queues_.begin());
  queues_.remove_if([](const Queue& q) { return q.by_length.empty(); });
  return batch;
}

}  // namespace crossrank::engine

#include "engine/batch_planner.h"

#include <algorithm>
#include <iterator>
#include <limits>

namespace crossrank::engine {
namespace {

// The split is searched over this many batches' worth of the anchor's shortest pairs: enough that
// the first batch is the one a split of the whole queue would start with (pairs far beyond it do not
// change where the first cut goes), and bounded so planning stays well under a millisecond under the
// lock whatever the limits.
constexpr size_t kSplitHorizonBatches = 4;
constexpr size_t kMaxSplitHorizon = 512;

// Batches stop growing at the knee: the fewest rows whose predicted time per pair is within this
// share of the best the limits allow. Past it the model's gain is within its own error, and larger
// batches lose to what it does not model (caches: on two machines 256-token pairs ran fastest 1–2 per
// batch, while 32-token pairs wanted 32 or more; issue 12).
constexpr double kKneeTolerance = 0.02;
// Nor below what the uncalibrated budget of 512 tokens runs: a calibration on a busy machine can
// underrate the per-batch cost, and a calibrated load should never batch less than an uncalibrated one.
constexpr size_t kKneeFloorTokens = 512;

}  // namespace

BatchPlanner::BatchPlanner(BatchLimits limits, std::optional<CostModel> model)
    : limits_{std::max<size_t>(1, limits.max_batch_tokens), std::max<size_t>(1, limits.max_batch_size)},
      model_(model && model->usable() ? model : std::nullopt) {}

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
  return count <= limits_.max_batch_size && count * longest <= limits_.max_batch_tokens;
}

size_t BatchPlanner::RowsFor(uint32_t length) const {
  if (!model_) {
    size_t rows = 1;
    while (Fits(rows + 1, length)) ++rows;
    return rows;
  }
  auto cached = rows_for_.find(length);
  if (cached != rows_for_.end()) return cached->second;
  double best = PerPair(1, length);
  for (size_t rows = 2; Fits(rows, length); ++rows) best = std::min(best, PerPair(rows, length));
  size_t rows = 1;
  while (PerPair(rows, length) > best * (1 + kKneeTolerance)) ++rows;
  while (Fits(rows + 1, length) && (rows + 1) * length <= kKneeFloorTokens) ++rows;
  rows_for_.emplace(length, rows);
  return rows;
}

size_t BatchPlanner::AnchorCount(const std::vector<uint32_t>& lengths) const {
  const size_t n = lengths.size();
  if (!model_) {
    size_t count = 1;
    while (count < n && Fits(count + 1, lengths[count])) ++count;
    return count;
  }
  // total[j]: least predicted time for the j shortest pairs as consecutive batches (sorted lengths,
  // so a batch of consecutive pairs pads least); last[j]: the size of the final batch of that split.
  std::vector<double> total(n + 1, std::numeric_limits<double>::infinity());
  std::vector<size_t> last(n + 1, 1);
  total[0] = 0;
  for (size_t j = 1; j <= n; ++j) {
    const uint32_t longest = lengths[j - 1];
    const size_t most = RowsFor(longest);
    for (size_t rows = 1; rows <= j && rows <= most; ++rows) {
      const double t = total[j - rows] + model_->Predict(rows, longest);
      if (t < total[j]) {
        total[j] = t;
        last[j] = rows;
      }
    }
  }
  size_t end = n;
  while (end > last[end]) end -= last[end];
  return end;
}

std::vector<PlannedPair> BatchPlanner::Next() {
  std::vector<PlannedPair> batch;
  if (queues_.empty()) return batch;

  // The anchor's shortest pairs first: consecutive runs of a length-sorted list pad least.
  Queue& anchor = queues_.front();
  auto& own = anchor.by_length;
  std::vector<uint32_t> lengths;
  // Each pair has at least one token, so no batch has more rows than the token budget.
  const size_t max_rows = std::min(limits_.max_batch_size, limits_.max_batch_tokens);
  const size_t horizon = model_ ? std::min(kMaxSplitHorizon, kSplitHorizonBatches * max_rows) : max_rows;
  for (auto it = own.begin(); it != own.end() && lengths.size() < horizon; ++it) lengths.push_back(it->first);
  const size_t count = AnchorCount(lengths);
  const uint32_t longest = lengths[count - 1];
  for (size_t i = 0; i < count; ++i) {
    batch.push_back(own.begin()->second);
    own.erase(own.begin());
  }

  // Top up from the other calls with pairs that fit under the batch's longest, longest first: they
  // ride along without adding padding. With a cost model, a pair joins only if the time it adds here
  // is no more than it would cost in a batch of its own length (a short pair padded to a long batch
  // is cheaper elsewhere); shorter pairs of the same call would cost less elsewhere still.
  for (auto queue = std::next(queues_.begin()); queue != queues_.end() && Fits(batch.size() + 1, longest); ++queue) {
    auto& others = queue->by_length;
    auto it = others.upper_bound(longest);
    while (it != others.begin() && Fits(batch.size() + 1, longest)) {
      --it;
      if (model_) {
        if (batch.size() >= std::max(count, RowsFor(longest))) break;
        const double added = model_->Predict(batch.size() + 1, longest) - model_->Predict(batch.size(), longest);
        if (added > PerPair(RowsFor(it->first), it->first)) break;
      }
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

#include "engine/calibration.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace crossrank::engine {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A shape is run again (the best time is kept: other processes only ever make a run slower) until
// this much time went into it, at most kMaxRuns times: the short shapes, which carry the per-batch
// cost and are the noisiest relative to their length, get five runs; on an idle 2-core machine the
// long ones of MiniLM-L6 one or two.
constexpr double kRepeatUntilMs = 25;
constexpr int kMaxRuns = 5;
// A fit that misses a sample by more than this share says the machine was too busy to measure (or
// the session is not shaped like the model): the planner then does without.
constexpr double kMaxRelativeMiss = 0.25;

}  // namespace

Calibration Calibrate(const runtime::InferenceSession& session, int64_t token_id, size_t max_length) {
  const auto start = Clock::now();
  // Lengths of real reranking pairs (a query and a passage) are mostly 64–256 tokens. The shapes
  // separate the terms: one and eight short rows (per batch vs per row), one row at three lengths
  // (per token vs per length²), and a batch of several medium rows, the planner's usual choice.
  const size_t longest = std::max<size_t>(1, std::min<size_t>(max_length, 256));
  const size_t shortest = std::max<size_t>(1, std::min<size_t>(16, longest));
  const size_t medium = std::max<size_t>(1, longest / 2);
  const std::vector<std::pair<size_t, size_t>> shapes = {
      {1, shortest}, {8, shortest}, {1, medium}, {4, std::max<size_t>(1, longest / 4)}, {1, longest}};

  const size_t num_labels = static_cast<size_t>(std::max<int64_t>(1, session.info().num_labels));
  auto run = [&](size_t rows, size_t length) {
    std::vector<int64_t> ids(rows * length, token_id), mask(rows * length, 1);
    std::vector<int64_t> types(session.info().uses_token_type_ids ? rows * length : 0, 0);
    std::vector<float> logits(rows * num_labels);
    runtime::BatchTensors tensors{ids.data(), mask.data(), types.empty() ? nullptr : types.data(), rows, length};
    const auto begin = Clock::now();
    session.Run(tensors, logits.data());
    return MillisSince(begin);
  };

  // ORT's first run initialises kernels and grows its arena; it says nothing about later runs.
  run(1, shortest);
  Calibration result;
  for (const auto& [rows, length] : shapes) {
    double best = std::numeric_limits<double>::infinity(), spent = 0;
    for (int runs = 0; runs < kMaxRuns && spent < kRepeatUntilMs; ++runs) {
      const double ms = run(rows, length);
      spent += ms;
      best = std::min(best, ms);
    }
    result.samples.push_back(CostSample{rows, length, best});
  }
  result.model = FitCostModel(result.samples);
  for (const CostSample& sample : result.samples) {
    const double miss = std::abs(result.model.Predict(sample.rows, sample.length) / sample.ms - 1);
    if (!(miss <= kMaxRelativeMiss)) {
      result.model = CostModel{};
      break;
    }
  }
  result.ms = MillisSince(start);
  return result;
}

}  // namespace crossrank::engine

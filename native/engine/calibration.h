// Measures the session on a few batch shapes and fits the planner's cost model to them. Runs once
// per model and machine (lib/ caches the result), on the loading thread, off the event loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/cost_model.h"
#include "runtime/session.h"

namespace crossrank::engine {

struct Calibration {
  CostModel model;  // not usable() when the samples do not fit it (a machine too busy to measure)
  std::vector<CostSample> samples;  // the best time of each shape
  double ms = 0;                    // wall time of the whole calibration, warm-up included
};

// `token_id` fills every position (any id the graph accepts: the cost of a dense model does not
// depend on which tokens it sees); shapes stay within `max_length`. Throws what Run throws.
Calibration Calibrate(const runtime::InferenceSession& session, int64_t token_id, size_t max_length);

}  // namespace crossrank::engine

// What a batch costs this model's session on this machine, as a function of its shape: the planner
// compares candidate batch splits with it. Pure arithmetic; calibration.h measures the samples.
#pragma once

#include <cstddef>
#include <vector>

namespace crossrank::engine {

// Predicted milliseconds of one Run of `rows` pairs padded to `length` tokens:
//   per_batch + per_row·rows + per_token·rows·length + per_attention·rows·length²
// per_batch is ORT's dispatch of ~200 operators and small-GEMM inefficiency, per_token the weight
// GEMMs, per_attention the QKᵀ/softmax/PV work that grows with the square of the length. Every
// coefficient is non-negative, so predictions only grow with rows and length.
struct CostModel {
  double per_batch = 0;
  double per_row = 0;
  double per_token = 0;
  double per_attention = 0;

  double Predict(size_t rows, size_t length) const {
    const double r = static_cast<double>(rows), l = static_cast<double>(length);
    return per_batch + per_row * r + per_token * r * l + per_attention * r * l * l;
  }
  // A model that predicts nothing for a real batch cannot rank splits.
  bool usable() const { return Predict(1, 1) > 0; }
};

struct CostSample {
  size_t rows = 0;
  size_t length = 0;
  double ms = 0;
};

// Non-negative least squares on relative error (a 10% miss on a 2 ms batch counts as much as on a
// 200 ms one, since the planner compares small batches with large ones). Samples with ms <= 0 are
// ignored; with fewer than two usable samples every coefficient is 0 (not usable()).
CostModel FitCostModel(const std::vector<CostSample>& samples);

}  // namespace crossrank::engine

#include "engine/cost_model.h"

#include <array>
#include <cmath>
#include <limits>

namespace crossrank::engine {
namespace {

constexpr size_t kTerms = 4;
using Row = std::array<double, kTerms>;

Row Features(size_t rows, size_t length) {
  const double r = static_cast<double>(rows), l = static_cast<double>(length);
  return {1.0, r, r * l, r * l * l};
}

// Solves the normal equations restricted to the terms in `mask` (Gaussian elimination with partial
// pivoting); false when they are singular.
bool SolveSubset(const std::array<Row, kTerms>& ata, const Row& atb, unsigned mask, Row& out) {
  std::array<size_t, kTerms> index{};
  size_t n = 0;
  for (size_t t = 0; t < kTerms; ++t) {
    if (mask & (1u << t)) index[n++] = t;
  }
  std::array<std::array<double, kTerms + 1>, kTerms> m{};
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) m[i][j] = ata[index[i]][index[j]];
    m[i][n] = atb[index[i]];
  }
  for (size_t col = 0; col < n; ++col) {
    size_t pivot = col;
    for (size_t r = col + 1; r < n; ++r) {
      if (std::fabs(m[r][col]) > std::fabs(m[pivot][col])) pivot = r;
    }
    if (std::fabs(m[pivot][col]) < 1e-12) return false;
    std::swap(m[pivot], m[col]);
    for (size_t r = 0; r < n; ++r) {
      if (r == col) continue;
      const double factor = m[r][col] / m[col][col];
      for (size_t c = col; c <= n; ++c) m[r][c] -= factor * m[col][c];
    }
  }
  out.fill(0);
  for (size_t i = 0; i < n; ++i) out[index[i]] = m[i][n] / m[i][i];
  return true;
}

}  // namespace

CostModel FitCostModel(const std::vector<CostSample>& samples) {
  // Each sample's row is divided by its time, so the fit minimises Σ (predicted/measured − 1)².
  // Columns are scaled to a common magnitude first: rows·length² reaches 10⁷ where the constant is 1.
  std::vector<Row> design;
  Row scale{};
  for (const CostSample& s : samples) {
    if (!(s.ms > 0) || s.rows == 0 || s.length == 0) continue;
    Row row = Features(s.rows, s.length);
    for (double& v : row) v /= s.ms;
    for (size_t t = 0; t < kTerms; ++t) scale[t] = std::max(scale[t], std::fabs(row[t]));
    design.push_back(row);
  }
  if (design.size() < 2) return {};
  std::array<Row, kTerms> ata{};
  Row atb{};
  for (Row& row : design) {
    for (size_t t = 0; t < kTerms; ++t) row[t] /= scale[t];
    for (size_t i = 0; i < kTerms; ++i) {
      atb[i] += row[i];
      for (size_t j = 0; j < kTerms; ++j) ata[i][j] += row[i] * row[j];
    }
  }
  // Four terms: trying every subset of active terms and keeping the best non-negative solution is
  // exact NNLS, and cheaper to trust than an iterative active-set method.
  Row best{};
  double best_error = std::numeric_limits<double>::infinity();
  for (unsigned mask = 1; mask < (1u << kTerms); ++mask) {
    Row x;
    if (!SolveSubset(ata, atb, mask, x)) continue;
    bool negative = false;
    for (double v : x) negative |= v < 0;
    if (negative) continue;
    double error = 0;
    for (const Row& row : design) {
      double predicted = 0;
      for (size_t t = 0; t < kTerms; ++t) predicted += row[t] * x[t];
      error += (predicted - 1) * (predicted - 1);
    }
    if (error < best_error) {
      best_error = error;
      best = x;
    }
  }
  for (size_t t = 0; t < kTerms; ++t) best[t] /= scale[t];
  return CostModel{best[0], best[1], best[2], best[3]};
}

}  // namespace crossrank::engine

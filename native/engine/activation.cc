#include "engine/activation.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace crossrank::engine {

Activation ParseActivation(const std::string& name) {
  if (name == "none") return Activation::None;
  if (name == "sigmoid") return Activation::Sigmoid;
  if (name == "softmax") return Activation::Softmax;
  throw Error(ErrorCode::InvalidArgument,
              "activation must be 'sigmoid', 'softmax' or 'none', got '" + name + "'");
}

const char* ActivationName(Activation activation) {
  switch (activation) {
    case Activation::None: return "none";
    case Activation::Sigmoid: return "sigmoid";
    case Activation::Softmax: return "softmax";
  }
  return "none";
}

void ApplyActivation(Activation activation, float* row, size_t labels) {
  switch (activation) {
    case Activation::None:
      return;
    case Activation::Sigmoid:
      for (size_t i = 0; i < labels; ++i) row[i] = 1.0f / (1.0f + std::exp(-row[i]));
      return;
    case Activation::Softmax: {
      // Subtracting the max keeps exp() finite for large logits.
      const float max = *std::max_element(row, row + labels);
      float sum = 0.0f;
      for (size_t i = 0; i < labels; ++i) sum += (row[i] = std::exp(row[i] - max));
      for (size_t i = 0; i < labels; ++i) row[i] /= sum;
      return;
    }
  }
}

}  // namespace crossrank::engine

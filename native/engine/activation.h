// Turns a row of logits into scores, as sentence-transformers' CrossEncoder does.
#pragma once

#include <cstddef>
#include <string>

namespace crossrank::engine {

enum class Activation { None, Sigmoid, Softmax };

// Throws crossrank::Error(InvalidArgument) for anything but "none", "sigmoid" or "softmax".
Activation ParseActivation(const std::string& name);
const char* ActivationName(Activation activation);

// In place, over one row of `labels` values.
void ApplyActivation(Activation activation, float* row, size_t labels);

}  // namespace crossrank::engine

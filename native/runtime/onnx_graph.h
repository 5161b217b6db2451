// What the ONNX Runtime API does not tell about a graph, read from the model file itself.
#pragma once

#include <cstdint>
#include <string>

namespace crossrank::runtime {

// Rows of the embedding table that the `input_ids` input indexes (a Gather whose data is an
// initializer, possibly through DequantizeLinear/Cast/Identity), or 0 when the file does not show
// one. Only the protobuf framing is read (the file is mapped, weights are skipped), so this costs
// microseconds even for multi-gigabyte files; a file it cannot follow yields 0, never an error.
int64_t WordEmbeddingRows(const std::string& model_path);

}  // namespace crossrank::runtime

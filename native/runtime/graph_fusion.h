// Rewrites a BERT-family encoder graph at load so that ONNX Runtime runs its fused contrib kernels:
// each self-attention block becomes one com.microsoft.Attention node (MultiHeadAttention over the
// projections' outputs where the Q/K/V weights are not float constants, as in int8 graphs), and in
// float graphs each "bias Add + residual Add + LayerNorm" one com.microsoft.SkipLayerNormalization.
// ORT has these fusions, but its matchers miss today's torch exports (its attention mask matcher
// lists Sub/Mul versions up to 13 and reads Unsqueeze axes as an attribute; opset-14 exports have
// neither), so they never fire. Weights are copied as they are; the attention block's Q, K and V
// weights are only laid side by side, as the Attention kernel takes them. Only what matches exactly
// is rewritten: an unrecognised graph, or any part of one, stays as it is.
#pragma once

#include <string>
#include <string_view>

namespace crossrank::runtime {

struct FusedGraph {
  std::string model;  // the rewritten ModelProto; empty when nothing was fused (load the file as it is)
  int attention = 0;
  int skip_layer_norm = 0;
};

// Never throws on a malformed or unexpected file: what cannot be followed is left to ORT to judge.
// Files with external data or over 2 GB are not rewritten (ORT loads those from their path).
FusedGraph FuseEncoderGraph(std::string_view model);
FusedGraph FuseEncoderGraphFile(const std::string& model_path);

}  // namespace crossrank::runtime

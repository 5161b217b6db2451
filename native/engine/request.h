// A call's whole state, from argument conversion on the JS thread, through the engine's threads, to
// the completion callback: the "baton". The engine writes scores straight into `scores`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/live_count.h"
#include "engine/pair_builder.h"

namespace crossrank::engine {

struct RequestTimings {
  double tokenize_ms = 0;   // tokenizing this call's pairs
  double queue_ms = 0;      // from tokenized to its first batch starting
  double inference_ms = 0;  // wall time of the batches that carried its pairs
  size_t batches = 0;
  size_t tokens = 0;         // real tokens of its pairs
  size_t padded_tokens = 0;  // tokens computed for its pairs, padding included
};

// With chunking, per pair: the window of its document that gave the pair its score.
struct ChunkChoice {
  uint32_t window = 0;       // index among the document's windows
  uint32_t token_start = 0;  // the window, in tokens of the document encoded alone
  uint32_t token_end = 0;
  uint32_t dropped = 0;      // windows past PairPolicy::max_chunks, not scored
  uint32_t byte_start = 0;   // the window's text: bytes of the document's UTF-8
  uint32_t byte_end = 0;
};

struct Request {
  Request(uint64_t id, std::vector<std::string> firsts, std::vector<std::string> seconds, size_t num_labels)
      : id(id),
        firsts(std::move(firsts)),
        seconds(std::move(seconds)),
        num_labels(num_labels),
        scores(new float[this->firsts.size() * num_labels]()) {}

  size_t size() const { return firsts.size(); }

  const uint64_t id;
  const std::vector<std::string> firsts;
  const std::vector<std::string> seconds;
  const size_t num_labels;
  // size() * num_labels scores, row-major in input order. On success the addon takes ownership and
  // hands the memory to JavaScript without copying.
  std::unique_ptr<float[]> scores;

  bool want_timings = false;  // for the addon: report `timings` with the scores
  PairPolicy policy;          // how pairs become model inputs; the defaults: the plain pair encoding

  // Set by the engine before it reports completion; read only after.
  std::vector<ChunkChoice> chunks;  // size() entries when policy.chunk

  std::optional<Error> error;
  RequestTimings timings;
  LiveCount<Request> live;
};

}  // namespace crossrank::engine

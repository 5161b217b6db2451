// Truncation of the encoded sequences (HF utils/truncation.rs), both directions.
#ifndef CROSSRANK_TOKENIZER_TRUNCATION_H_
#define CROSSRANK_TOKENIZER_TRUNCATION_H_

#include <cstddef>

#include "tokenizer/tokenizer.h"

namespace crossrank {
namespace tokenizer {

// The tokens of one sequence that truncation keeps: [begin, end).
struct KeptRange {
  size_t begin = 0;
  size_t end = 0;
};

// Which tokens survive truncating sequences of `len_a` (and `len_b` when `pair`) tokens to
// `max_length` in total (already reduced by the special tokens the post-processor will add).
// Planned on lengths so that every per-token array (ids, offsets, tokens) is cut the same way.
// Throws TruncationError with HF's messages.
void PlanTruncation(size_t len_a, size_t len_b, bool pair, size_t max_length, TruncationStrategy strategy,
                    TruncationDirection direction, KeptRange* a, KeptRange* b);

}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_TRUNCATION_H_

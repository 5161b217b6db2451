// Truncation of the encoded sequences (HF utils/truncation.rs), right direction.
#ifndef CROSSRANK_TOKENIZER_TRUNCATION_H_
#define CROSSRANK_TOKENIZER_TRUNCATION_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace crossrank {
namespace tokenizer {

// Truncates `a` (and `b` when non-null) to `max_length` tokens in total, already reduced by the
// special tokens the post-processor will add. Throws TruncationError with HF's messages.
void TruncateSequences(std::vector<int32_t>* a, std::vector<int32_t>* b, size_t max_length,
                       TruncationStrategy strategy);

}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_TRUNCATION_H_

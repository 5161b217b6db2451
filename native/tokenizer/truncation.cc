#include "tokenizer/truncation.h"

#include <algorithm>
#include <utility>

namespace crossrank {
namespace tokenizer {

namespace {
// HF's Encoding::truncate: Left keeps the last n tokens, Right the first n.
KeptRange Keep(size_t len, size_t n, TruncationDirection direction) {
  n = std::min(n, len);
  if (direction == TruncationDirection::Left) return {len - n, len};
  return {0, n};
}
}  // namespace

void PlanTruncation(size_t len_a, size_t len_b, bool pair, size_t max_length, TruncationStrategy strategy,
                    TruncationDirection direction, KeptRange* a, KeptRange* b) {
  *a = {0, len_a};
  *b = {0, pair ? len_b : 0};
  if (max_length == 0) {
    // HF: a zero budget empties both sequences, whatever the strategy.
    *a = Keep(len_a, 0, direction);
    *b = Keep(b->end, 0, direction);
    return;
  }
  const size_t total = len_a + (pair ? len_b : 0);
  if (total <= max_length) return;
  const size_t to_remove = total - max_length;

  switch (strategy) {
    case TruncationStrategy::LongestFirst: {
      if (!pair) {
        *a = Keep(len_a, max_length, direction);
        return;
      }
      // Not one token at a time: the shorter side keeps what it can (at most half when both
      // are long), the longer side gets the rest, and the odd token goes to the longer side
      // (to B on a tie).
      size_t n1 = len_a, n2 = len_b;
      const bool swap = n1 > n2;
      if (swap) std::swap(n1, n2);
      n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
      if (n1 + n2 > max_length) {
        n1 = max_length / 2;
        n2 = n1 + max_length % 2;
      }
      if (swap) std::swap(n1, n2);
      *a = Keep(len_a, n1, direction);
      *b = Keep(len_b, n2, direction);
      return;
    }
    case TruncationStrategy::OnlyFirst:
    case TruncationStrategy::OnlySecond: {
      const bool first = strategy == TruncationStrategy::OnlyFirst;
      if (!first && !pair) throw TruncationError("Truncation error: Second sequence not provided");
      const size_t len = first ? len_a : len_b;
      if (len <= to_remove) {
        throw TruncationError("Truncation error: Sequence to truncate too short to respect the provided max_length");
      }
      *(first ? a : b) = Keep(len, len - to_remove, direction);
      return;
    }
  }
}

}  // namespace tokenizer
}  // namespace crossrank

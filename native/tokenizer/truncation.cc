#include "tokenizer/truncation.h"

#include <algorithm>
#include <utility>

namespace crossrank {
namespace tokenizer {

namespace {
void KeepHead(std::vector<int32_t>* v, size_t n) {
  if (v->size() > n) v->resize(n);
}
}  // namespace

void TruncateSequences(std::vector<int32_t>* a, std::vector<int32_t>* b, size_t max_length,
                       TruncationStrategy strategy) {
  if (max_length == 0) {
    // HF: a zero budget empties both sequences, whatever the strategy.
    a->clear();
    if (b) b->clear();
    return;
  }
  const size_t total = a->size() + (b ? b->size() : 0);
  if (total <= max_length) return;
  const size_t to_remove = total - max_length;

  switch (strategy) {
    case TruncationStrategy::LongestFirst: {
      if (!b) {
        KeepHead(a, max_length);
        return;
      }
      // Not one token at a time: the shorter side keeps what it can (at most half when both
      // are long), the longer side gets the rest, and the odd token goes to the longer side
      // (to B on a tie).
      size_t n1 = a->size(), n2 = b->size();
      const bool swap = n1 > n2;
      if (swap) std::swap(n1, n2);
      n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
      if (n1 + n2 > max_length) {
        n1 = max_length / 2;
        n2 = n1 + max_length % 2;
      }
      if (swap) std::swap(n1, n2);
      KeepHead(a, n1);
      KeepHead(b, n2);
      return;
    }
    case TruncationStrategy::OnlyFirst:
    case TruncationStrategy::OnlySecond: {
      std::vector<int32_t>* target = strategy == TruncationStrategy::OnlyFirst ? a : b;
      if (!target) throw TruncationError("Truncation error: Second sequence not provided");
      if (target->size() <= to_remove) {
        throw TruncationError("Truncation error: Sequence to truncate too short to respect the provided max_length");
      }
      target->resize(target->size() - to_remove);
      return;
    }
  }
}

}  // namespace tokenizer
}  // namespace crossrank

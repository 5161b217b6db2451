// HF's NormalizedString::split: a pattern's matches (covering the whole text, each span flagged
// match / not match) are turned into words by a SplitDelimiterBehavior. Shared by the Split,
// Punctuation and Digits pre-tokenizers (implemented in split.cc).
#ifndef CROSSRANK_TOKENIZER_PRE_TOKENIZERS_SPLIT_BEHAVIOR_H_
#define CROSSRANK_TOKENIZER_PRE_TOKENIZERS_SPLIT_BEHAVIOR_H_

#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

struct MatchSpan {
  size_t begin, end;
  bool is_match;
};

// Reads obj[key] ("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous");
// `def` when missing/null.
SplitBehavior ReadSplitBehavior(const json::Value& obj, const char* key, SplitBehavior def, const BuildContext& ctx,
                                const std::string& path);

// Appends the non-empty words of `in` that `behavior` makes of `matches` (which cover `in`).
void ApplySplitBehavior(std::string_view in, const std::vector<MatchSpan>& matches, SplitBehavior behavior,
                        WordList* out);

// Matches of a char predicate, HF's `impl Pattern for Fn(char) -> bool`: every matching
// character is its own match, the runs between them are non-matches.
template <typename Pred>
void CharMatches(std::string_view in, Pred pred, std::vector<MatchSpan>* out);

}  // namespace tokenizer
}  // namespace crossrank

#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {

template <typename Pred>
void CharMatches(std::string_view in, Pred pred, std::vector<MatchSpan>* out) {
  out->clear();
  if (in.empty()) {
    out->push_back({0, 0, false});
    return;
  }
  size_t last = 0;
  for (size_t i = 0; i < in.size();) {
    size_t len;
    const char32_t c = utf8::Decode(in, i, &len);
    if (pred(c)) {
      if (last < i) out->push_back({last, i, false});
      out->push_back({i, i + len, true});
      last = i + len;
    }
    i += len;
  }
  if (last < in.size()) out->push_back({last, in.size(), false});
}

}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_PRE_TOKENIZERS_SPLIT_BEHAVIOR_H_

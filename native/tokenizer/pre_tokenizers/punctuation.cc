// Punctuation pre-tokenizer (HF pre_tokenizers/punctuation.rs): splits on every punctuation
// character (ASCII punctuation + unicode_categories P*), behavior Isolated by default.
#include "tokenizer/components.h"
#include "tokenizer/pre_tokenizers/split_behavior.h"
#include "tokenizer/unicode/unicode_bpe_tables.h"

namespace crossrank {
namespace tokenizer {
namespace {

class PunctuationPreTokenizer : public PreTokenizer {
 public:
  explicit PunctuationPreTokenizer(SplitBehavior behavior) : behavior_(behavior) {}

  void PreTokenize(std::string_view in, bool, WordList* out) const override {
    thread_local std::vector<MatchSpan> matches;
    CharMatches(in, [](char32_t c) { return (unicode_bpe::Classes(c) & unicode_bpe::kPunct) != 0; }, &matches);
    ApplySplitBehavior(in, matches, behavior_, out);
  }

 private:
  SplitBehavior behavior_;
};

}  // namespace

std::unique_ptr<PreTokenizer> BuildPunctuationPreTokenizer(const json::Value& v, const BuildContext& ctx,
                                                           const std::string& path) {
  return std::make_unique<PunctuationPreTokenizer>(
      ReadSplitBehavior(v, "behavior", SplitBehavior::kIsolated, ctx, path));
}

}  // namespace tokenizer
}  // namespace crossrank

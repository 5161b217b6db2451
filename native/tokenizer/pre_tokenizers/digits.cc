// Digits pre-tokenizer (HF pre_tokenizers/digits.rs): splits on Rust's char::is_numeric
// characters, one per word with individual_digits, else runs of them (Contiguous).
#include "tokenizer/components.h"
#include "tokenizer/pre_tokenizers/split_behavior.h"
#include "tokenizer/unicode/unicode_bpe_tables.h"

namespace crossrank {
namespace tokenizer {
namespace {

class DigitsPreTokenizer : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual) : individual_(individual) {}

  void PreTokenize(std::string_view in, bool, WordList* out) const override {
    thread_local std::vector<MatchSpan> matches;
    CharMatches(in, [](char32_t c) { return (unicode_bpe::Classes(c) & unicode_bpe::kNumeric) != 0; }, &matches);
    ApplySplitBehavior(in, matches, individual_ ? SplitBehavior::kIsolated : SplitBehavior::kContiguous, out);
  }

 private:
  bool individual_;
};

}  // namespace

std::unique_ptr<PreTokenizer> BuildDigitsPreTokenizer(const json::Value& v, const BuildContext& ctx,
                                                      const std::string& path) {
  return std::make_unique<DigitsPreTokenizer>(ctx.GetBool(v, "individual_digits", false, path));
}

}  // namespace tokenizer
}  // namespace crossrank

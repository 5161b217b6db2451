// Added tokens (HF tokenizer/added_vocabulary.rs): tokens matched in the text before the model
// runs. Non-normalized ones (every special token of the usual files) are matched in the raw
// text, leftmost-longest; the normalized ones in each normalized piece.
#ifndef CROSSRANK_TOKENIZER_ADDED_VOCABULARY_H_
#define CROSSRANK_TOKENIZER_ADDED_VOCABULARY_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/trie.h"

namespace crossrank {
namespace tokenizer {

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

class AddedVocabulary {
 public:
  // A piece of text: [begin, end) of the input and, for a matched added token, its id (else -1).
  struct Segment {
    size_t begin, end;
    int32_t id;
  };

  // `normalizer` (may be null) normalizes the patterns of normalized tokens.
  void Build(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  bool has_raw() const { return !raw_.empty(); }
  bool has_normalized() const { return !normalized_.empty(); }

  // Splits raw text on the non-normalized tokens (appends to *out; covers all of `text`).
  void SplitRaw(std::string_view text, std::vector<Segment>* out) const { Split(text, raw_, out); }
  // Splits a normalized piece on the normalized tokens.
  void SplitNormalized(std::string_view text, std::vector<Segment>* out) const { Split(text, normalized_, out); }

  // Id of an added token by content, or -1.
  int32_t TokenToId(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  void Split(std::string_view text, const Trie& trie, std::vector<Segment>* out) const;

  std::vector<AddedToken> tokens_;
  std::vector<std::string> normalized_patterns_;  // owns the normalized pattern strings
  Trie raw_;         // content -> index in tokens_
  Trie normalized_;  // normalized content -> index in tokens_
  Trie by_content_;  // content -> index in tokens_
};

}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_ADDED_VOCABULARY_H_

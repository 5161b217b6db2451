// How a decoder reranker's prompt is assembled from a pair: prefix + middle + suffix, where the middle
// is the template's body with the instruction, query and document put in. The prefix and suffix are
// tokenized once, without special tokens, and never truncated; the middle is tokenized as one text and
// cut to fit max_length (its end first: the document's end, then the query's). Which texts a model
// family uses lives in lib/decoder-templates.ts; this is only the mechanics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/pair_builder.h"
#include "tokenizer/tokenizer.h"

namespace crossrank::engine {

struct PromptTemplate {
  std::string prefix;
  std::string body;    // holds {query} and {document}, and {instruction} where the family takes one
  std::string suffix;
  std::string instruction;  // the load's, already in the family's form; a call may give its own
  std::string yes_token;    // the answer tokens, each a single token of the vocabulary
  std::string no_token;     // empty: the score is logit(yes) alone
};

class PromptBuilder {
 public:
  // Throws crossrank::Error(InvalidArgument) when prefix and suffix leave no room within max_length,
  // or an answer token is not exactly one token of the vocabulary.
  PromptBuilder(const tokenizer::Tokenizer& tokenizer, PromptTemplate prompt, size_t max_length);

  // One unit for pair `pair`; `instruction` null: the template's own.
  Unit Build(uint32_t pair, std::string_view query, std::string_view document, const std::string* instruction,
             tokenizer::TruncationDirection direction) const;

  int64_t yes_id() const { return yes_id_; }
  int64_t no_id() const { return no_id_; }  // -1 without a no token

 private:
  enum class Slot { Text, Instruction, Query, Document };
  struct Piece {
    Slot slot;
    std::string text;  // Slot::Text only
  };

  const tokenizer::Tokenizer& tokenizer_;
  const PromptTemplate prompt_;
  const size_t max_length_;
  std::vector<Piece> body_;  // the body cut at its placeholders, once
  std::vector<int32_t> prefix_ids_;
  std::vector<int32_t> suffix_ids_;
  int64_t yes_id_ = -1;
  int64_t no_id_ = -1;
};

}  // namespace crossrank::engine

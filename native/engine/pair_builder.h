// How a call's [query, document] pairs become model inputs when the call asks for more than the
// tokenizer's plain pair encoding: a query limit of its own, and long documents cut into windows that
// are each scored beside the query (the best window's score is the document's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace crossrank::engine {

// A call's options for building its pairs (rerank()'s maxQueryLength, longDocuments, chunkOverlap,
// maxChunksPerDoc, maxDocumentLength). The defaults build exactly the tokenizer's pair encoding.
struct PairPolicy {
  size_t max_query_tokens = 0;  // 0: the query is limited only by the pair truncation
  bool chunk = false;           // false: the document is truncated; true: cut into windows
  size_t chunk_overlap = 80;    // tokens shared by consecutive windows
  size_t max_chunks = 10;       // windows scored per document; later ones are dropped (and counted)
  // Which end of a too-long sequence truncation keeps; unset: the engine's (the load option's).
  std::optional<tokenizer::TruncationDirection> direction;
  // Tokens of the document kept before it is paired (Cohere's max_tokens_per_doc); 0: no limit of its own.
  size_t max_document_tokens = 0;
  // Decoder rerankers: this call's instruction, in the template's form; unset: the load's.
  std::optional<std::string> instruction;
  bool uses_builder() const { return chunk || max_query_tokens > 0 || max_document_tokens > 0; }
};

// One window of a document, in tokens of the document encoded alone, and the bytes of the document's
// UTF-8 text those tokens came from (the tokenizer's offsets).
struct Window {
  uint32_t index = 0;
  uint32_t token_start = 0;
  uint32_t token_end = 0;
  uint32_t byte_start = 0;
  uint32_t byte_end = 0;
};

// One model input: a pair, or the query beside one window of the pair's document.
struct Unit {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  uint32_t pair = 0;
  Window window;
};

// Per pair, how its document was windowed (chunking only).
struct Windowing {
  uint32_t kept = 1;
  uint32_t dropped = 0;
};

class PairBuilder {
 public:
  PairBuilder(const tokenizer::Tokenizer& tokenizer, size_t max_length, tokenizer::TruncationStrategy truncation,
              tokenizer::TruncationDirection direction, const PairPolicy& policy);

  // Appends pair `pair`'s units. Throws tokenizer::TruncationError where no valid input exists (a query
  // over the limit under only_second) and std::invalid_argument for an overlap the window cannot hold.
  void Build(uint32_t pair, std::string_view query, std::string_view document, std::vector<Unit>* out,
             Windowing* windowing);

 private:
  const std::vector<int32_t>& QueryIds(std::string_view query);
  // One sequence without special tokens; max_tokens 0: all of it.
  tokenizer::Encoding EncodeAlone(std::string_view text, size_t max_tokens, bool with_offsets) const;

  const tokenizer::Tokenizer& tokenizer_;
  const size_t max_length_;
  const tokenizer::TruncationStrategy truncation_;
  const tokenizer::TruncationDirection direction_;
  const PairPolicy policy_;
  const size_t specials_;  // special tokens of a pair
  // The calls rerank() makes share one query: encode it once.
  std::string last_query_;
  std::vector<int32_t> last_query_ids_;
  bool have_query_ = false;
  bool query_cut_ = false;  // the last query was longer than max_query_tokens
};

}  // namespace crossrank::engine

#include "engine/pair_builder.h"

#include <algorithm>
#include <stdexcept>

#include "tokenizer/truncation.h"

namespace crossrank::engine {

PairBuilder::PairBuilder(const tokenizer::Tokenizer& tokenizer, size_t max_length,
                         tokenizer::TruncationStrategy truncation, tokenizer::TruncationDirection direction,
                         const PairPolicy& policy)
    : tokenizer_(tokenizer),
      max_length_(max_length),
      truncation_(truncation),
      direction_(direction),
      policy_(policy),
      specials_(tokenizer.num_special_tokens_to_add(true)) {}

tokenizer::Encoding PairBuilder::EncodeAlone(std::string_view text, size_t max_tokens, bool with_offsets) const {
  tokenizer::EncodeOptions alone;
  alone.add_special_tokens = false;
  alone.max_length = max_tokens;
  alone.direction = direction_;
  alone.with_offsets = with_offsets;
  return tokenizer_.Encode(text, alone);
}

const std::vector<int32_t>& PairBuilder::QueryIds(std::string_view query) {
  if (have_query_ && last_query_ == query) return last_query_ids_;
  std::vector<int32_t> ids = EncodeAlone(query, 0, false).ids;
  const size_t limit = policy_.max_query_tokens;
  query_cut_ = limit > 0 && ids.size() > limit;
  if (query_cut_) {
    if (truncation_ == tokenizer::TruncationStrategy::OnlySecond) {
      throw tokenizer::TruncationError("the query has " + std::to_string(ids.size()) +
                                       " tokens, more than maxQueryLength (" + std::to_string(limit) +
                                       ") allows, and truncation 'only_second' may not shorten it");
    }
    // The truncation direction says which end of the query stays.
    if (direction_ == tokenizer::TruncationDirection::Left) ids.erase(ids.begin(), ids.end() - static_cast<std::ptrdiff_t>(limit));
    else ids.resize(limit);
  }
  last_query_.assign(query);
  last_query_ids_ = std::move(ids);
  have_query_ = true;
  return last_query_ids_;
}

void PairBuilder::Build(uint32_t pair, std::string_view query, std::string_view document, std::vector<Unit>* out,
                        Windowing* windowing) {
  const std::vector<int32_t>& query_ids = QueryIds(query);
  tokenizer::Encoding encoding;
  *windowing = Windowing{};

  if (!policy_.chunk) {
    if (!query_cut_ && policy_.max_document_tokens == 0) {
      // Nothing of the call's own to cut: the tokenizer's own pair encoding, unchanged.
      tokenizer::EncodeOptions options;
      options.max_length = max_length_;
      options.truncation = truncation_;
      options.direction = direction_;
      encoding = tokenizer_.Encode(query, &document, options);
    } else {
      // HF's pair truncation and post-processor over the shortened query or document, as
      // Tokenizer::Encode does (the document encoded at most max_length tokens deep, like its early exit).
      const size_t document_cap = policy_.max_document_tokens > 0 ? std::min(max_length_, policy_.max_document_tokens) : max_length_;
      std::vector<int32_t> b = EncodeAlone(document, document_cap, false).ids;
      tokenizer::KeptRange keep_a{0, query_ids.size()}, keep_b{0, b.size()};
      if (max_length_ >= specials_) {
        tokenizer::PlanTruncation(query_ids.size(), b.size(), true, max_length_ - specials_, truncation_, direction_,
                                  &keep_a, &keep_b);
      }
      const auto slice = [](const std::vector<int32_t>& v, tokenizer::KeptRange k) {
        return std::vector<int32_t>(v.begin() + static_cast<std::ptrdiff_t>(k.begin), v.begin() + static_cast<std::ptrdiff_t>(k.end));
      };
      tokenizer_.AssemblePair(slice(query_ids, keep_a), slice(b, keep_b), &encoding);
    }
    out->push_back(Unit{std::move(encoding.ids), std::move(encoding.type_ids), pair, Window{}});
    return;
  }

  // The whole document (up to its own limit), with where each token came from (windows report their
  // text span).
  tokenizer::Encoding doc = EncodeAlone(document, policy_.max_document_tokens, true);
  const std::vector<int32_t>& doc_ids = doc.ids;
  const size_t used = specials_ + query_ids.size();
  if (used >= max_length_) {
    throw tokenizer::TruncationError("the query takes " + std::to_string(query_ids.size()) + " of the " +
                                     std::to_string(max_length_) +
                                     " tokens (with special tokens), leaving no room for a document window; "
                                     "lower maxQueryLength");
  }
  const size_t width = max_length_ - used;
  if (policy_.chunk_overlap >= width) {
    throw std::invalid_argument("chunkOverlap (" + std::to_string(policy_.chunk_overlap) +
                                ") must be smaller than the document window, which is " + std::to_string(width) +
                                " tokens beside this query");
  }
  const size_t stride = width - policy_.chunk_overlap;
  const size_t n = doc_ids.size();
  // Windows every `stride` tokens; the last is aligned to the document's end, so none is short.
  std::vector<size_t> starts{0};
  while (starts.back() + width < n) starts.push_back(std::min(starts.back() + stride, n - width));
  windowing->kept = static_cast<uint32_t>(std::min(starts.size(), policy_.max_chunks));
  windowing->dropped = static_cast<uint32_t>(starts.size() - windowing->kept);
  std::vector<int32_t> window_ids;
  for (uint32_t w = 0; w < windowing->kept; ++w) {
    const size_t begin = starts[w], end = std::min(begin + width, n);
    window_ids.assign(doc_ids.begin() + static_cast<std::ptrdiff_t>(begin), doc_ids.begin() + static_cast<std::ptrdiff_t>(end));
    tokenizer_.AssemblePair(query_ids, window_ids, &encoding);
    const uint32_t byte_start = end > begin ? doc.offsets[begin].first : 0;
    const uint32_t byte_end = end > begin ? doc.offsets[end - 1].second : 0;
    out->push_back(Unit{std::move(encoding.ids), std::move(encoding.type_ids), pair,
                        Window{w, static_cast<uint32_t>(begin), static_cast<uint32_t>(end), byte_start, byte_end}});
  }
}

}  // namespace crossrank::engine

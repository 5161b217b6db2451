#include "tokenizer/added_vocabulary.h"

#include <algorithm>

#include "tokenizer/unicode/unicode_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {

namespace ut = unicode_tables;

void AddedVocabulary::Build(std::vector<AddedToken> tokens, const Normalizer* normalizer) {
  tokens_.clear();
  // HF ignores empty tokens and keeps one entry per content (the last definition wins).
  for (auto& t : tokens) {
    if (t.content.empty()) continue;
    bool replaced = false;
    for (auto& existing : tokens_) {
      if (existing.content == t.content) {
        existing = t;
        replaced = true;
        break;
      }
    }
    if (!replaced) tokens_.push_back(std::move(t));
  }
  normalized_patterns_.clear();
  normalized_patterns_.reserve(tokens_.size());
  std::vector<std::pair<std::string_view, int32_t>> raw, norm, all;
  for (size_t k = 0; k < tokens_.size(); ++k) {
    const AddedToken& t = tokens_[k];
    all.emplace_back(t.content, static_cast<int32_t>(k));
    if (!t.normalized) {
      raw.emplace_back(t.content, static_cast<int32_t>(k));
    } else {
      std::string pattern;
      if (normalizer) {
        normalizer->Normalize(t.content, &pattern);
      } else {
        pattern = t.content;
      }
      normalized_patterns_.push_back(std::move(pattern));
    }
  }
  size_t pi = 0;
  for (size_t k = 0; k < tokens_.size(); ++k) {
    if (tokens_[k].normalized) {
      const std::string& p = normalized_patterns_[pi++];
      if (!p.empty()) norm.emplace_back(p, static_cast<int32_t>(k));
    }
  }
  raw_.Build(std::move(raw));
  normalized_.Build(std::move(norm));
  by_content_.Build(std::move(all));
}

int32_t AddedVocabulary::TokenToId(std::string_view content) const {
  const int32_t k = by_content_.Find(content);
  return k < 0 ? -1 : tokens_[k].id;
}

namespace {

// regex \w$ on text[..pos]
bool EndsWithWord(std::string_view text, size_t pos) {
  if (pos == 0) return false;
  size_t len;
  return ut::Flags(utf8::DecodeBefore(text, pos, &len)) & ut::kWord;
}

// regex ^\w on text[pos..]
bool StartsWithWord(std::string_view text, size_t pos) {
  if (pos >= text.size()) return false;
  size_t len;
  return ut::Flags(utf8::Decode(text, pos, &len)) & ut::kWord;
}

}  // namespace

void AddedVocabulary::Split(std::string_view text, const Trie& trie, std::vector<Segment>* out) const {
  size_t start_offset = 0;  // end of the previous segment
  size_t from = 0;          // where the matcher resumes (HF's non-overlapping match iterator)
  size_t ms, me;
  int32_t k;
  while (from < text.size() && trie.FindLeftmostLongest(text, from, &ms, &me, &k)) {
    from = me;
    const AddedToken& t = tokens_[k];
    size_t start = ms, stop = me;
    if (t.single_word) {
      const bool start_space = start == 0 || !EndsWithWord(text, start);
      const bool stop_space = stop == text.size() || !StartsWithWord(text, stop);
      if (!start_space || !stop_space) continue;  // not a whole word: the match is skipped
    }
    if (t.lstrip) {
      // \s*$ on text[..start]: widen over the whitespace before, but not into the previous match.
      size_t s = start;
      while (s > 0) {
        size_t len;
        const char32_t c = utf8::DecodeBefore(text, s, &len);
        if (!(ut::Flags(c) & ut::kWhitespace)) break;
        s -= len;
      }
      start = std::max(s, start_offset);
    }
    if (t.rstrip) {
      // ^\s* on text[stop..]
      while (stop < text.size()) {
        size_t len;
        const char32_t c = utf8::Decode(text, stop, &len);
        if (!(ut::Flags(c) & ut::kWhitespace)) break;
        stop += len;
      }
    }
    if (start_offset < start) out->push_back(Segment{start_offset, start, -1});
    out->push_back(Segment{start, stop, t.id});
    start_offset = stop;
  }
  if (start_offset < text.size()) out->push_back(Segment{start_offset, text.size(), -1});
}

}  // namespace tokenizer
}  // namespace crossrank

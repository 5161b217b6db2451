// WordPiece model (HF models/wordpiece/mod.rs): greedy longest-match-first over the vocab,
// "##"-prefixed continuation pieces, one [UNK] for the whole word if any position fails or the
// word has more than max_input_chars_per_word characters.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/trie.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

class WordPieceModel : public SpanFillingModel<WordPieceModel> {
 public:
  // `spans[k]` locates token k in `arena`; `ids[k]` is its id.
  WordPieceModel(std::string arena, const std::vector<std::pair<uint32_t, uint32_t>>& spans,
                 const std::vector<int32_t>& ids, std::string unk_token, std::string prefix,
                 size_t max_input_chars_per_word)
      : arena_(std::move(arena)),
        unk_token_(std::move(unk_token)),
        prefix_(std::move(prefix)),
        max_input_chars_per_word_(max_input_chars_per_word) {
    std::vector<std::pair<std::string_view, int32_t>> entries(spans.size());
    by_id_.resize(spans.size());
    for (size_t k = 0; k < spans.size(); ++k) {
      entries[k] = {std::string_view(arena_.data() + spans[k].first, spans[k].second), ids[k]};
      by_id_[k] = {ids[k], spans[k]};
    }
    std::sort(by_id_.begin(), by_id_.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    trie_.Build(std::move(entries));
    vocab_size_ = trie_.num_keys();  // HF's vocab is a map: distinct keys
    unk_id_ = trie_.Find(unk_token_);
    prefix_node_ = trie_.Walk(Trie::kRoot, prefix_);
  }

  int32_t TokenToId(std::string_view token) const override { return trie_.Find(token); }

  std::string_view IdToToken(int32_t id) const override {
    auto it = std::lower_bound(by_id_.begin(), by_id_.end(), id,
                               [](const auto& x, int32_t v) { return x.first < v; });
    if (it == by_id_.end() || it->first != id) return std::string_view();
    return std::string_view(arena_.data() + it->second.first, it->second.second);
  }

  size_t VocabSize() const override { return vocab_size_; }

 private:
  friend class SpanFillingModel<WordPieceModel>;
  // An unknown word is one [UNK] spanning it all.
  void Run(std::string_view word, std::vector<int32_t>* ids, std::vector<TokenSpan>* spans) const {
    if (word.empty()) return;
    const TokenSpan whole{0, static_cast<uint32_t>(word.size()), false};
    if (utf8::CountChars(word) > max_input_chars_per_word_) {
      PushUnk(ids);
      if (spans) spans->push_back(whole);
      return;
    }
    const size_t span_mark = spans ? spans->size() : 0;
    const size_t mark = ids->size();
    size_t start = 0;
    const size_t n = word.size();
    while (start < n) {
      uint32_t node = start == 0 ? Trie::kRoot : prefix_node_;
      size_t best_end = 0;
      int32_t best_id = -1;
      for (size_t i = start; i < n && node != Trie::kNone; ++i) {
        node = trie_.Child(node, static_cast<unsigned char>(word[i]));
        if (node != Trie::kNone && trie_.Value(node) >= 0) {
          best_end = i + 1;  // vocab keys are valid UTF-8, so this is a character boundary
          best_id = trie_.Value(node);
        }
      }
      if (best_id < 0) {
        ids->resize(mark);
        PushUnk(ids);
        if (spans) {
          spans->resize(span_mark);
          spans->push_back(whole);
        }
        return;
      }
      ids->push_back(best_id);
      if (spans) spans->push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(best_end), false});
      start = best_end;
    }
  }

  void PushUnk(std::vector<int32_t>* ids) const {
    if (unk_id_ < 0) {
      // HF fails the same way at encode time.
      throw TokenizerError("WordPiece error: Missing " + unk_token_ + " token from the vocabulary");
    }
    ids->push_back(unk_id_);
  }

  std::string arena_;
  std::vector<std::pair<int32_t, std::pair<uint32_t, uint32_t>>> by_id_;
  std::string unk_token_;
  std::string prefix_;
  size_t max_input_chars_per_word_;
  size_t vocab_size_ = 0;
  Trie trie_;
  int32_t unk_id_ = -1;
  uint32_t prefix_node_ = Trie::kNone;
};

}  // namespace

std::unique_ptr<Model> BuildWordPieceModel(const json::Value& v, const BuildContext& ctx, const std::string& path) {
  const json::Value vocab = v.Find("vocab");
  if (!vocab.is_object()) {
    ctx.Fail(vocab.exists() ? vocab : v, path + ".vocab", "expected an object mapping tokens to ids");
  }
  const std::string unk = ctx.GetString(v, "unk_token", "[UNK]", path);
  const std::string prefix = ctx.GetString(v, "continuing_subword_prefix", "##", path);
  const uint64_t max_chars = ctx.GetUint(v, "max_input_chars_per_word", 100, path);

  BuildContext::VocabArena keys = ctx.ReadVocabObject(vocab, path);
  return std::make_unique<WordPieceModel>(std::move(keys.arena), keys.spans, keys.ids, unk, prefix, static_cast<size_t>(max_chars));
}

}  // namespace tokenizer
}  // namespace crossrank

// Unigram model (HF models/unigram/model.rs, `encode_optimized`, a port of SentencePiece's
// optimized Viterbi): the best-scoring segmentation of each word into vocabulary pieces.
//
// Exactly as HF:
//  - a trie over all pieces (special pieces included); for duplicate pieces the last id wins;
//  - best[e] is updated when unset or when the candidate is strictly greater (first writer wins
//    ties; earlier starts run first), scores are doubles summed left to right;
//  - a character with no single-character piece gets an unknown edge scored min_score - 10;
//  - consecutive unknown pieces are fused into one string, then every string maps to its id,
//    else (byte_fallback) to <0xXX> pieces when all exist, else to unk_id;
//  - scores are parsed like serde_json (without float_roundtrip) parses them: the decimal
//    significand as u64 -> f64, then one multiply/divide by a power of ten. This is not always
//    the correctly rounded value, and the last bit can decide ties.
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/trie.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

constexpr double kUnkPenalty = 10.0;

const double* Pow10Table() {
  static const std::vector<double> table = [] {
    std::vector<double> t(309);
    for (int k = 0; k <= 308; ++k) t[k] = std::strtod(("1e" + std::to_string(k)).c_str(), nullptr);
    return t;
  }();
  return table.data();
}

// serde_json's f64_from_parts (no float_roundtrip). Returns false when out of range.
bool F64FromParts(bool positive, uint64_t significand, int64_t exponent, double* out) {
  const double* pow10 = Pow10Table();
  double f = static_cast<double>(significand);
  for (;;) {
    const uint64_t a = exponent < 0 ? static_cast<uint64_t>(-exponent) : static_cast<uint64_t>(exponent);
    if (a <= 308) {
      if (exponent >= 0) {
        f *= pow10[a];
        if (std::isinf(f)) return false;
      } else {
        f /= pow10[a];
      }
      break;
    }
    if (f == 0.0) break;
    if (exponent >= 0) return false;
    f /= 1e308;
    exponent += 308;
  }
  *out = positive ? f : -f;
  return true;
}

// Parses a JSON number literal the way serde_json does. Returns false when it is out of range.
bool ParseSerdeF64(std::string_view s, double* out) {
  size_t i = 0;
  const bool positive = !(i < s.size() && s[i] == '-');
  if (!positive) ++i;
  const uint64_t kMax = std::numeric_limits<uint64_t>::max();
  auto overflows = [&](uint64_t sig, unsigned d) { return sig >= kMax / 10 && (sig > kMax / 10 || d > kMax % 10); };
  uint64_t sig = 0;
  int64_t exponent = 0;
  bool is_float = false;
  // Integer part.
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    const unsigned d = s[i] - '0';
    if (overflows(sig, d)) {
      // parse_long_integer: further integer digits only scale the exponent.
      is_float = true;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        ++exponent;
        ++i;
      }
      break;
    }
    sig = sig * 10 + d;
    ++i;
  }
  if (i < s.size() && s[i] == '.') {
    is_float = true;
    ++i;
    bool overflowed = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      const unsigned d = s[i] - '0';
      if (!overflowed && overflows(sig, d)) overflowed = true;  // parse_decimal_overflow: ignore the rest
      if (!overflowed) {
        sig = sig * 10 + d;
        --exponent;
      }
      ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    is_float = true;
    ++i;
    bool positive_exp = true;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) positive_exp = s[i++] == '+';
    int64_t e = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      e = e * 10 + (s[i] - '0');
      if (e > std::numeric_limits<int32_t>::max()) {
        // parse_exponent_overflow
        if (sig != 0 && positive_exp) return false;
        *out = positive ? 0.0 : -0.0;
        return true;
      }
      ++i;
    }
    exponent = positive_exp ? exponent + e : exponent - e;
    exponent = std::max<int64_t>(std::min<int64_t>(exponent, std::numeric_limits<int32_t>::max()),
                                 std::numeric_limits<int32_t>::min());
  }
  if (!is_float) {
    *out = positive ? static_cast<double>(sig) : -static_cast<double>(sig);
    return true;
  }
  return F64FromParts(positive, sig, exponent, out);
}

class UnigramModel : public SpanFillingModel<UnigramModel> {
 public:
  UnigramModel(std::string arena, std::vector<std::pair<uint32_t, uint32_t>> spans, std::vector<double> scores,
               int32_t unk_id, bool byte_fallback)
      : arena_(std::move(arena)), spans_(std::move(spans)), scores_(std::move(scores)), unk_id_(unk_id),
        byte_fallback_(byte_fallback) {
    std::vector<std::pair<std::string_view, int32_t>> entries(spans_.size());
    min_score_ = std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < spans_.size(); ++k) {
      entries[k] = {Piece(static_cast<int32_t>(k)), static_cast<int32_t>(k)};
      if (scores_[k] < min_score_) min_score_ = scores_[k];
    }
    trie_.Build(std::move(entries));
    unk_score_ = min_score_ - kUnkPenalty;
    for (int b = 0; b < 256; ++b) {
      static const char* hex = "0123456789ABCDEF";
      const char name[] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>'};
      byte_ids_[b] = trie_.Find(std::string_view(name, sizeof name));
    }
  }

  int32_t TokenToId(std::string_view token) const override { return trie_.Find(token); }

  std::string_view IdToToken(int32_t id) const override {
    if (id < 0 || static_cast<size_t>(id) >= spans_.size()) return std::string_view();
    return Piece(id);
  }

  size_t VocabSize() const override { return spans_.size(); }

 private:
  friend class SpanFillingModel<UnigramModel>;
  void Run(std::string_view word, std::vector<int32_t>* ids, std::vector<TokenSpan>* spans) const {
    const size_t n = word.size();
    if (n == 0) return;
    struct Best {
      double score;
      int32_t start;  // -1: unset
      int32_t id;
    };
    thread_local std::vector<Best> best;
    best.assign(n + 1, Best{0.0, -1, 0});
    size_t s = 0;
    while (s < n) {
      const double base = best[s].score;
      const size_t mblen = utf8::SeqLen(static_cast<unsigned char>(word[s]));
      bool has_single = false;
      uint32_t node = Trie::kRoot;
      for (size_t i = s; i < n; ++i) {
        node = trie_.Child(node, static_cast<unsigned char>(word[i]));
        if (node == Trie::kNone) break;
        const int32_t id = trie_.Value(node);
        if (id < 0) continue;
        Best& t = best[i + 1];
        const double cand = scores_[id] + base;
        if (t.start < 0 || cand > t.score) {
          t.score = cand;
          t.start = static_cast<int32_t>(s);
          t.id = id;
        }
        if (i + 1 - s == mblen) has_single = true;
      }
      if (!has_single) {
        if (unk_id_ < 0) throw TokenizerError("Unigram error: Encountered an unknown token but `unk_id` is missing");
        Best& t = best[s + mblen];
        const double cand = unk_score_ + base;
        if (t.start < 0 || cand > t.score) {
          t.score = cand;
          t.start = static_cast<int32_t>(s);
          t.id = unk_id_;
        }
      }
      s += mblen;
    }
    // Backtrack, then emit in order; runs of unk_id nodes are fused into one string.
    thread_local std::vector<std::pair<int32_t, int32_t>> path;  // (start, id), reversed
    path.clear();
    for (size_t e = n; e > 0;) {
      const Best& b = best[e];
      path.emplace_back(b.start, b.id);
      e = static_cast<size_t>(b.start);
    }
    size_t k = path.size();
    while (k > 0) {
      --k;
      const size_t start = static_cast<size_t>(path[k].first);
      const int32_t id = path[k].second;
      if (id != unk_id_ || unk_id_ < 0) {
        ids->push_back(id);
        if (spans) spans->push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(k > 0 ? path[k - 1].first : n), false});
        continue;
      }
      // Fuse this and the following unk nodes.
      while (k > 0 && path[k - 1].second == unk_id_) --k;
      const size_t end = k > 0 ? static_cast<size_t>(path[k - 1].first) : n;
      const size_t mark = ids->size();
      PushString(word.substr(start, end - start), ids);
      if (spans) {
        // HF names an unknown piece by its text; its byte-fallback tokens each span the piece.
        const bool unk = ids->size() == mark + 1 && ids->back() == unk_id_;
        spans->insert(spans->end(), ids->size() - mark, TokenSpan{static_cast<uint32_t>(start), static_cast<uint32_t>(end), unk});
      }
    }
  }

  std::string_view Piece(int32_t id) const {
    return std::string_view(arena_.data() + spans_[id].first, spans_[id].second);
  }

  // HF Unigram::tokenize for one string of the Viterbi result.
  void PushString(std::string_view s, std::vector<int32_t>* ids) const {
    const int32_t id = trie_.Find(s);
    if (id >= 0) {
      ids->push_back(id);
      return;
    }
    if (byte_fallback_) {
      bool all = true;
      for (unsigned char b : s) all = all && byte_ids_[b] >= 0;
      if (all) {
        for (unsigned char b : s) ids->push_back(byte_ids_[b]);
        return;
      }
    }
    ids->push_back(unk_id_);
  }

  std::string arena_;
  std::vector<std::pair<uint32_t, uint32_t>> spans_;
  std::vector<double> scores_;
  int32_t unk_id_;
  bool byte_fallback_;
  double min_score_ = 0, unk_score_ = 0;
  Trie trie_;
  int32_t byte_ids_[256];
};

}  // namespace

std::unique_ptr<Model> BuildUnigramModel(const json::Value& v, const BuildContext& ctx, const std::string& path) {
  const json::Value vocab = v.Find("vocab");
  if (!vocab.is_array()) {
    ctx.Fail(vocab.exists() ? vocab : v, path + ".vocab", "expected an array of [piece, score] pairs");
  }
  const size_t count = vocab.size();
  size_t bytes = 0;
  for (size_t k = 0; k < count; ++k) {
    const json::Value e = vocab[k];
    if (!e.is_array() || e.size() != 2 || !e[0].is_string() || !e[1].is_number()) {
      ctx.Fail(e, path + ".vocab[" + std::to_string(k) + "]", "expected a [piece, score] pair (a string and a number)");
    }
    bytes += e[0].string_value().size();
  }
  std::string arena;
  arena.reserve(bytes);
  std::vector<std::pair<uint32_t, uint32_t>> spans(count);
  std::vector<double> scores(count);
  for (size_t k = 0; k < count; ++k) {
    const json::Value e = vocab[k];
    const std::string_view piece = e[0].string_value();
    spans[k] = {static_cast<uint32_t>(arena.size()), static_cast<uint32_t>(piece.size())};
    arena.append(piece.data(), piece.size());
    if (!ParseSerdeF64(e[1].number_text(), &scores[k])) {
      ctx.Fail(e[1], path + ".vocab[" + std::to_string(k) + "][1]", "number out of range");
    }
  }
  int32_t unk_id = -1;
  const json::Value unk = v.Find("unk_id");
  if (unk.exists() && !unk.is_null()) {
    int64_t x = -1;
    if (!unk.is_number() || !unk.GetInt64(&x) || x < 0) {
      ctx.Fail(unk, path + ".unk_id", "expected a non-negative integer or null");
    }
    if (count == 0) ctx.Fail(vocab, path + ".vocab", "Unigram error: the vocabulary is empty but at least <unk> is needed");
    if (static_cast<uint64_t>(x) >= count) {
      ctx.Fail(unk, path + ".unk_id",
               "Unigram error: unk_id " + std::to_string(x) + " is not in the vocabulary (size " +
                   std::to_string(count) + ")");
    }
    unk_id = static_cast<int32_t>(x);
  }
  const bool byte_fallback = ctx.GetBool(v, "byte_fallback", false, path);
  return std::make_unique<UnigramModel>(std::move(arena), std::move(spans), std::move(scores), unk_id, byte_fallback);
}

}  // namespace tokenizer
}  // namespace crossrank

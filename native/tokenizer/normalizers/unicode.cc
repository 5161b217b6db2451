// NFC, NFD, NFKC and NFKD normalizers (HF normalizers/unicode.rs, which runs the
// unicode-normalization-alignments crate: an old Unicode version, so the tables come from the
// oracle, see scripts/gen-unicode-bpe-tables.js).
//
// The text is cut into chunks that start at a "safe" starter (no decomposition, ccc 0, never
// the second char of a composition) and run up to the next one. Chunks of one safe char are
// copied as they are (all of ASCII and most of CJK); the others are decomposed, put in
// canonical order and, for NFC/NFKC, recomposed.
#include <string>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/normalizers/decompose.h"
#include "tokenizer/unicode/unicode_bpe_tables.h"
#include "tokenizer/unicode/unicode_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

namespace ub = unicode_bpe;

using namespace hangul;
using Char = DecomposedChar;

class UnicodeNormalizer : public Normalizer {
 public:
  UnicodeNormalizer(bool compat, bool compose)
      : compat_(compat), compose_(compose), safe_(compat ? ub::kNfkcSafe : ub::kNfcSafe) {}

  void Normalize(std::string_view in, std::string* out) const override {
    out->reserve(out->size() + in.size());
    Walk(
        in, [&](size_t begin, size_t end) { out->append(in.data() + begin, end - begin); },
        [&](size_t begin, size_t end) { ProcessChunk(in.substr(begin, end - begin), out); });
  }

  // HF transforms the text with the (char, change) stream of unicode-normalization-alignments:
  // changes travel with the chars through the canonical reordering and add up in compositions.
  void NormalizeAligned(const AlignedText& in, AlignedText* out) const override {
    std::vector<std::pair<char32_t, int>> dest;
    Walk(
        in.text, [&](size_t begin, size_t end) { out->AppendSlice(in, begin, end); },
        [&](size_t begin, size_t end) {
          dest.clear();
          ProcessChunk(std::string_view(in.text).substr(begin, end - begin), nullptr, &dest);
          out->AppendTransformed(in, begin, end, dest);
        });
  }

 private:
  // Calls verbatim_run(begin, end) for the runs that need no work and chunk(begin, end) for the
  // chunks to normalize, in order.
  template <typename Verbatim, typename Chunk>
  void Walk(std::string_view in, Verbatim&& verbatim_run, Chunk&& chunk) const {
    const size_t n = in.size();
    size_t i = 0;
    size_t verbatim = 0;  // start of the bytes not yet copied that need no work
    while (i < n) {
      if (static_cast<unsigned char>(in[i]) < 0x80) {
        size_t j = i + 1;
        while (j < n && static_cast<unsigned char>(in[j]) < 0x80) ++j;
        if (j == n) break;
        i = j - 1;  // the last ASCII char may start a chunk with what follows
      }
      // A chunk: the char at i and the unsafe chars after it.
      size_t len;
      const char32_t first = utf8::Decode(in, i, &len);
      size_t j = i + len;
      while (j < n) {
        size_t l2;
        const unsigned char b = static_cast<unsigned char>(in[j]);
        if (b < 0x80) break;
        if (ub::Classes(utf8::Decode(in, j, &l2)) & safe_) break;
        j += l2;
      }
      if (j == i + len && (ub::Classes(first) & safe_)) {
        i = j;  // one safe char: unchanged
        continue;
      }
      verbatim_run(verbatim, i);
      chunk(i, j);
      i = j;
      verbatim = j;
    }
    verbatim_run(verbatim, n);
  }

  // With `dest`, the output chars go there with their changes instead of into *out.
  void ProcessChunk(std::string_view chunk, std::string* out, std::vector<std::pair<char32_t, int>>* dest = nullptr) const {
    thread_local std::vector<Char> buf;
    buf.clear();
    for (size_t i = 0; i < chunk.size();) {
      size_t len;
      const char32_t cp = utf8::Decode(chunk, i, &len);
      i += len;
      Decompose(compat_, cp, &buf);
    }
    CanonicalOrder(&buf, [](const Char& c) { return c.ccc; });
    if (compose_) Compose(&buf);
    if (dest) {
      for (const Char& c : buf) dest->emplace_back(c.cp, c.change);
      return;
    }
    for (const Char& c : buf) utf8::Append(out, c.cp);
  }

  static char32_t ComposePair(char32_t a, char32_t b) {
    if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount) {
      return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    }
    if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase && b < kTBase + kTCount) {
      return a + (b - kTBase);
    }
    return ub::Compose(a, b);
  }

  // Canonical composition of a canonically ordered buffer, in place.
  static void Compose(std::vector<Char>* buf) {
    size_t starter = SIZE_MAX;
    int last_ccc = -1;  // ccc of the last char kept after the starter; -1: none yet
    size_t w = 0;
    for (size_t r = 0; r < buf->size(); ++r) {
      const Char c = (*buf)[r];
      if (starter != SIZE_MAX && (last_ccc == -1 || (last_ccc != 0 && last_ccc < c.ccc))) {
        const char32_t comp = ComposePair((*buf)[starter].cp, c.cp);
        if (comp) {
          Char& s = (*buf)[starter];
          s.cp = comp;
          // The composed char stands for the source chars of both parts.
          auto consumed = [](int change) { return change > 0 ? 0 : 1 - change; };
          const int n = consumed(s.change) + consumed(c.change);
          s.change = n == 0 ? 1 : 1 - n;
          continue;
        }
      }
      if (c.ccc == 0) {
        starter = w;
        last_ccc = -1;
      } else {
        last_ccc = c.ccc;
      }
      (*buf)[w++] = c;
    }
    buf->resize(w);
  }

  bool compat_;
  bool compose_;
  uint8_t safe_;
};

}  // namespace

std::unique_ptr<Normalizer> MakeNfdNormalizer() { return std::make_unique<UnicodeNormalizer>(false, false); }

std::unique_ptr<Normalizer> BuildNfcNormalizer(const json::Value&, const BuildContext&, const std::string&) {
  return std::make_unique<UnicodeNormalizer>(false, true);
}
std::unique_ptr<Normalizer> BuildNfdNormalizer(const json::Value&, const BuildContext&, const std::string&) {
  return std::make_unique<UnicodeNormalizer>(false, false);
}
std::unique_ptr<Normalizer> BuildNfkcNormalizer(const json::Value&, const BuildContext&, const std::string&) {
  return std::make_unique<UnicodeNormalizer>(true, true);
}
std::unique_ptr<Normalizer> BuildNfkdNormalizer(const json::Value&, const BuildContext&, const std::string&) {
  return std::make_unique<UnicodeNormalizer>(true, false);
}

}  // namespace tokenizer
}  // namespace crossrank

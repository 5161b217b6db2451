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
#include "tokenizer/unicode/unicode_bpe_tables.h"
#include "tokenizer/unicode/unicode_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

namespace ub = unicode_bpe;

constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;

struct Char {
  char32_t cp;
  uint8_t ccc;
};

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

  // Each chunk's output takes its input chars' alignments in order (HF's transform of the
  // (char, change) stream that unicode-normalization-alignments yields).
  void NormalizeAligned(const AlignedText& in, AlignedText* out) const override {
    std::string produced;
    Walk(
        in.text, [&](size_t begin, size_t end) { out->AppendSlice(in, begin, end); },
        [&](size_t begin, size_t end) {
          produced.clear();
          ProcessChunk(std::string_view(in.text).substr(begin, end - begin), &produced);
          out->AppendFrom(in, begin, end, produced);
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

  void ProcessChunk(std::string_view chunk, std::string* out) const {
    thread_local std::vector<Char> buf;
    buf.clear();
    for (size_t i = 0; i < chunk.size();) {
      size_t len;
      const char32_t cp = utf8::Decode(chunk, i, &len);
      i += len;
      Decompose(cp, &buf);
    }
    // Canonical ordering: stable sort of each run of non-starters by ccc.
    for (size_t k = 1; k < buf.size(); ++k) {
      const Char c = buf[k];
      if (c.ccc == 0) continue;
      size_t m = k;
      while (m > 0 && buf[m - 1].ccc > c.ccc) {
        buf[m] = buf[m - 1];
        --m;
      }
      buf[m] = c;
    }
    if (compose_) Compose(&buf);
    for (const Char& c : buf) utf8::Append(out, c.cp);
  }

  void Decompose(char32_t cp, std::vector<Char>* buf) const {
    if (cp >= kSBase && cp < kSBase + kSCount) {
      const char32_t s = cp - kSBase;
      buf->push_back({kLBase + s / kNCount, 0});
      buf->push_back({kVBase + (s % kNCount) / kTCount, 0});
      if (s % kTCount) buf->push_back({kTBase + s % kTCount, 0});
      return;
    }
    size_t len = 0;
    const char32_t* d = ub::Decomposition(compat_, cp, &len);
    if (!d) {
      buf->push_back({cp, unicode_tables::CombiningClass(cp)});
      return;
    }
    for (size_t k = 0; k < len; ++k) buf->push_back({d[k], unicode_tables::CombiningClass(d[k])});
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
          (*buf)[starter].cp = comp;
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

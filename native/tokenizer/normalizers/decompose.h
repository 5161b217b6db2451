// One character's canonical (NFD) or compatibility (NFKD) decomposition as HF's
// unicode-normalization-alignments crate computes it (oracle tables, Hangul by algorithm), each
// char with its combining class. Shared by the NFx normalizers and BertNormalizer's offsets path.
#ifndef CROSSRANK_TOKENIZER_NORMALIZERS_DECOMPOSE_H_
#define CROSSRANK_TOKENIZER_NORMALIZERS_DECOMPOSE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "tokenizer/unicode/unicode_bpe_tables.h"
#include "tokenizer/unicode/unicode_tables.h"

namespace crossrank {
namespace tokenizer {

struct DecomposedChar {
  char32_t cp;
  uint8_t ccc;
  // HF's change for the offsets path: 0 replaces a source char, 1 is inserted (the rest of a
  // decomposition), -n also absorbs n more (a composition).
  int change = 0;
};

namespace hangul {
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr char32_t kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
                   kSCount = kLCount * kNCount;
}  // namespace hangul

// Appends the decomposition of `cp` (itself when it has none).
inline void Decompose(bool compat, char32_t cp, std::vector<DecomposedChar>* buf) {
  using namespace hangul;
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const char32_t s = cp - kSBase;
    buf->push_back({kLBase + s / kNCount, 0, 0});
    buf->push_back({kVBase + (s % kNCount) / kTCount, 0, 1});
    if (s % kTCount) buf->push_back({kTBase + s % kTCount, 0, 1});
    return;
  }
  size_t len = 0;
  const char32_t* d = unicode_bpe::Decomposition(compat, cp, &len);
  if (!d) {
    buf->push_back({cp, unicode_tables::CombiningClass(cp), 0});
    return;
  }
  for (size_t k = 0; k < len; ++k) buf->push_back({d[k], unicode_tables::CombiningClass(d[k]), k > 0 ? 1 : 0});
}

class Normalizer;
// NFD as a normalizer of its own (BertNormalizer's offsets path replays HF's steps with it).
std::unique_ptr<Normalizer> MakeNfdNormalizer();

// NFD's canonical ordering: a stable sort of each run of non-starters by combining class.
template <typename Item, typename Ccc>
void CanonicalOrder(std::vector<Item>* buf, Ccc&& ccc) {
  for (size_t k = 1; k < buf->size(); ++k) {
    const Item c = (*buf)[k];
    if (ccc(c) == 0) continue;
    size_t m = k;
    while (m > 0 && ccc((*buf)[m - 1]) > ccc(c)) {
      (*buf)[m] = (*buf)[m - 1];
      --m;
    }
    (*buf)[m] = c;
  }
}

}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_NORMALIZERS_DECOMPOSE_H_

// Unicode data of the byte-level BPE pipelines, generated from the Hugging Face `tokenizers`
// oracle by scripts/gen-unicode-bpe-tables.js (see that file for what each class means).
#ifndef CROSSRANK_TOKENIZER_UNICODE_UNICODE_BPE_TABLES_H_
#define CROSSRANK_TOKENIZER_UNICODE_UNICODE_BPE_TABLES_H_

#include <cstddef>
#include <cstdint>

namespace crossrank {
namespace tokenizer {
namespace unicode_bpe {

// Bits returned by Classes(); keep in sync with scripts/gen-unicode-bpe-tables.js.
enum : uint8_t {
  kLetter = 1,     // Oniguruma \p{L} (the ByteLevel/GPT-2 pattern)
  kNumber = 2,     // Oniguruma \p{N}
  kSpace = 4,      // Oniguruma \s
  kNumeric = 8,    // Rust char::is_numeric (Digits pre-tokenizer)
  kPunct = 16,     // Punctuation pre-tokenizer
  kNfcSafe = 32,   // starter that NFD leaves alone and that never composes with what precedes it
  kNfkcSafe = 64,  // same under NFKD
};

uint8_t Classes(char32_t cp);

// Full canonical (compat = false) or compatibility decomposition of `cp`, or nullptr when it
// decomposes to itself. Hangul syllables are not in the table (decompose them algorithmically).
const char32_t* Decomposition(bool compat, char32_t cp, size_t* len);

// Primary composite of the pair, or 0 (Hangul not included).
char32_t Compose(char32_t a, char32_t b);

}  // namespace unicode_bpe
}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_UNICODE_UNICODE_BPE_TABLES_H_

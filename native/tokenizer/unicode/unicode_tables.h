// Character classes and per-character mappings of Hugging Face `tokenizers`, generated from the
// library itself by scripts/gen-unicode-tables.js (see that file for why not ICU/utf8proc).
#ifndef CROSSRANK_TOKENIZER_UNICODE_UNICODE_TABLES_H_
#define CROSSRANK_TOKENIZER_UNICODE_UNICODE_TABLES_H_

#include <cstdint>
#include <string_view>

namespace crossrank {
namespace tokenizer {
namespace unicode_tables {

// Bits returned by Flags(); keep in sync with scripts/gen-unicode-tables.js.
enum : uint8_t {
  kRemoved = 1,      // BertNormalizer clean_text drops it (control/format/private use, U+0000, U+FFFD)
  kCleanSpace = 2,   // clean_text maps it to ' ' (never set together with kRemoved)
  kWhitespace = 4,   // Rust char::is_whitespace (the White_Space property); regex \s
  kPunct = 8,        // BertPreTokenizer punctuation (ASCII punctuation + old Unicode P*)
  kWord = 16,        // regex \w, used by single_word added tokens
  kNonStarter = 32,  // canonical combining class != 0 in HF's NFD tables
  kDecompStarter = 64,  // its NFD contains a starter (ccc 0), so it ends any run of marks
};

uint8_t Flags(char32_t cp);

enum class CaseMap {
  kUncased,       // NFD, drop Mn, lowercase  (BertNormalizer strip_accents + lowercase)
  kStripAccents,  // NFD, drop Mn             (strip_accents, lowercase=false)
  kLowercase,     // lowercase only           (lowercase, strip_accents=false)
};

// Replacement UTF-8 for `cp` under `which`; an empty view with a null data() means "unchanged".
// A non-null empty view means "deleted" (e.g. a lone combining mark under kUncased).
std::string_view Map(CaseMap which, char32_t cp);

// Canonical combining class as HF's NFD crate knows it (0 for starters).
uint8_t CombiningClass(char32_t cp);

// The BertNormalizer handle_chinese_chars ranges (note 2B920, not Google's 2B820).
inline bool IsCjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
         (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

}  // namespace unicode_tables
}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_UNICODE_UNICODE_TABLES_H_

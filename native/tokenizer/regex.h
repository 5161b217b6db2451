// A small regular-expression engine compatible with Oniguruma 6.9 (Ruby syntax, UTF-8) as
// Hugging Face `tokenizers` uses it for Replace normalizers and Split pre-tokenizers.
//
// Supported: literals and escapes (\t \n \r \f \v \e \a \xHH \x{H..} \uHHHH \0oo, escaped
// metacharacters), `.`, classes `[...]` with ranges, negation, nesting and the escapes below,
// \s \S \d \D \w \W \h \H, Unicode properties \p{L} \p{Lu} \p{N} \p{P} \p{S} \p{M} \p{Z} \p{C}
// (and their two-letter subcategories, \P{..} / \p{^..} negation), alternation, groups
// `(...)` `(?:...)` `(?i:...)` `(?i)`, greedy, lazy and possessive quantifiers `? * + {m,n}`,
// anchors `^ $ \A \z \Z \b \B \G`, lookahead `(?=...)` `(?!...)` and lookbehind `(?<=...)`
// `(?<!...)` of bounded width. Character classes follow Oniguruma's Unicode tables (Unicode 14,
// the version that HF's bundled onig 6.9.8 ships).
//
// Matching is backtracking (leftmost, first alternative wins — Perl/Oniguruma semantics), over
// valid UTF-8 (Tokenizer::Encode guarantees it). Patterns that are plain literals, and runs
// like " {2,}", take fast paths.
#ifndef CROSSRANK_TOKENIZER_REGEX_H_
#define CROSSRANK_TOKENIZER_REGEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crossrank {
namespace tokenizer {

namespace regex_internal {
struct Program;
}

class Regex {
 public:
  // Compiles `pattern`; throws TokenizerError naming the pattern on a syntax error or an
  // unsupported construct.
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Appends the non-overlapping leftmost matches in `text` as byte ranges [begin, end), in
  // order, exactly like the onig crate's find_iter (an empty match right after the previous
  // match is skipped and the search moves on one character). Thread-safe.
  void FindAll(std::string_view text, std::vector<std::pair<size_t, size_t>>* matches) const;

  // First match at or after byte `from` (the whole `text` is visible to anchors and
  // lookarounds). Returns false when there is none.
  bool Search(std::string_view text, size_t from, size_t* begin, size_t* end) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  std::unique_ptr<regex_internal::Program> program_;
};

}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_REGEX_H_

#include "tokenizer/unicode/grapheme.h"

#include "tokenizer/unicode/unicode_props.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace grapheme {

namespace up = unicode_props;

size_t NextBoundary(std::string_view text, size_t pos) {
  const size_t n = text.size();
  size_t len;
  char32_t c = utf8::Decode(text, pos, &len);
  // ASCII fast path: an ASCII char other than CR is its own cluster unless a non-ASCII
  // extender follows.
  size_t i = pos + len;
  if (c < 0x80 && c != '\r' && (i >= n || static_cast<unsigned char>(text[i]) < 0x80)) return i;
  uint32_t props = up::Get(c);
  up::GraphemeBreak prev = up::GraphemeBreakOf(props);
  // GB11 state: the cluster so far is ExtPict Extend* (emoji) / ... ZWJ (emoji_zwj).
  bool emoji = (props & up::kExtPict) != 0;
  bool emoji_zwj = false;
  // GB12/13: number of regional indicators in the current run.
  int ri = prev == up::kGbRegionalIndicator ? 1 : 0;
  // GB9c state: 0 none, 1 after Consonant [Extend|Linker]* (no linker yet), 2 linker seen.
  const up::IndicConjunctBreak incb0 = up::IndicConjunctBreakOf(props);
  int conjunct = incb0 == up::kIncbConsonant ? 1 : 0;
  while (i < n) {
    const char32_t d = utf8::Decode(text, i, &len);
    const uint32_t dp = up::Get(d);
    const up::GraphemeBreak cur = up::GraphemeBreakOf(dp);
    const up::IndicConjunctBreak incb = up::IndicConjunctBreakOf(dp);
    bool join;
    if (prev == up::kGbCR && cur == up::kGbLF) {
      join = true;  // GB3
    } else if (prev == up::kGbControl || prev == up::kGbCR || prev == up::kGbLF) {
      join = false;  // GB4
    } else if (cur == up::kGbControl || cur == up::kGbCR || cur == up::kGbLF) {
      join = false;  // GB5
    } else if (prev == up::kGbL &&
               (cur == up::kGbL || cur == up::kGbV || cur == up::kGbLV || cur == up::kGbLVT)) {
      join = true;  // GB6
    } else if ((prev == up::kGbLV || prev == up::kGbV) && (cur == up::kGbV || cur == up::kGbT)) {
      join = true;  // GB7
    } else if ((prev == up::kGbLVT || prev == up::kGbT) && cur == up::kGbT) {
      join = true;  // GB8
    } else if (cur == up::kGbExtend || cur == up::kGbZWJ || cur == up::kGbSpacingMark) {
      join = true;  // GB9, GB9a
    } else if (prev == up::kGbPrepend) {
      join = true;  // GB9b
    } else if (conjunct == 2 && incb == up::kIncbConsonant) {
      join = true;  // GB9c
    } else if (emoji_zwj && (dp & up::kExtPict)) {
      join = true;  // GB11
    } else if (prev == up::kGbRegionalIndicator && cur == up::kGbRegionalIndicator && ri % 2 == 1) {
      join = true;  // GB12, GB13
    } else {
      join = false;  // GB999
    }
    if (!join) break;
    // Update the states for the next char.
    if (dp & up::kExtPict) {
      emoji = true;
      emoji_zwj = false;
    } else if (cur == up::kGbExtend && emoji && !emoji_zwj) {
      // stays in ExtPict Extend*
    } else if (cur == up::kGbZWJ && emoji && !emoji_zwj) {
      emoji_zwj = true;
    } else {
      emoji = false;
      emoji_zwj = false;
    }
    ri = cur == up::kGbRegionalIndicator ? ri + 1 : 0;
    if (incb == up::kIncbConsonant) {
      conjunct = 1;
    } else if (incb == up::kIncbLinker && conjunct != 0) {
      conjunct = 2;
    } else if (incb == up::kIncbExtend && conjunct != 0) {
      // unchanged
    } else {
      conjunct = 0;
    }
    prev = cur;
    i += len;
  }
  return i;
}

}  // namespace grapheme
}  // namespace tokenizer
}  // namespace crossrank

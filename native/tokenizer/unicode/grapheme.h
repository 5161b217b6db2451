// Extended grapheme cluster boundaries (UAX #29, with GB9c), as the unicode-segmentation crate
// that HF `tokenizers` uses computes them (tables: unicode_props.cc, Unicode 17).
#ifndef CROSSRANK_TOKENIZER_UNICODE_GRAPHEME_H_
#define CROSSRANK_TOKENIZER_UNICODE_GRAPHEME_H_

#include <cstddef>
#include <string_view>

namespace crossrank {
namespace tokenizer {
namespace grapheme {

// End (byte offset) of the extended grapheme cluster that starts at `pos` (< text.size()) in
// valid UTF-8.
size_t NextBoundary(std::string_view text, size_t pos);

}  // namespace grapheme
}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_UNICODE_GRAPHEME_H_

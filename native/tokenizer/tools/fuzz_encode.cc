// Fuzz target: Tokenizer::Encode on arbitrary bytes (ill-formed UTF-8 included).
// Input layout: byte 0 = options (bits 0-1 strategy, bit 2 pair, bit 3 no special tokens,
// bits 4-7 -> max_length in {0, 1..15, ...}), byte 1 = split point fraction (its bit 0 also asks for
// offsets, bit 1 for left truncation), rest = text.
// The tokenizer file comes from $CROSSRANK_FUZZ_TOKENIZER (default: the shared BERT file).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "tokenizer/tokenizer.h"
#include "fuzz_driver.h"

using crossrank::tokenizer::EncodeOptions;
using crossrank::tokenizer::Tokenizer;
using crossrank::tokenizer::TruncationError;
using crossrank::tokenizer::TruncationStrategy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<Tokenizer> tok = [] {
    const char* path = std::getenv("CROSSRANK_FUZZ_TOKENIZER");
    return Tokenizer::FromFile(path ? path : "../shared/tokenizers/bert-base-uncased.json");
  }();
  if (size < 2) return 0;
  const uint8_t opt = data[0];
  EncodeOptions o;
  o.truncation = static_cast<TruncationStrategy>((opt & 3) % 3);
  o.add_special_tokens = (opt & 8) == 0;
  static const size_t kLengths[16] = {0, 1, 2, 3, 4, 5, 7, 9, 16, 31, 32, 64, 128, 255, 512, 0};
  o.max_length = kLengths[opt >> 4];
  o.with_offsets = (data[1] & 1) != 0;
  if (data[1] & 2) o.direction = crossrank::tokenizer::TruncationDirection::Left;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t split = text.size() * data[1] / 256;
  try {
    const std::string_view a = (opt & 4) ? text.substr(0, split) : text;
    const std::string_view b = text.substr(split);
    const auto e = tok->Encode(a, (opt & 4) ? &b : nullptr, o);
    if (o.with_offsets) {
      // Offsets point into their own sequence (its repaired form is never longer than 3x).
      bool ok = e.offsets.size() == e.ids.size() && e.tokens.size() == e.ids.size();
      for (size_t i = 0; ok && i < e.offsets.size(); ++i) {
        const size_t limit = 3 * (e.sequence_ids[i] == 1 ? b.size() : a.size());
        ok = e.offsets[i].first <= e.offsets[i].second && e.offsets[i].second <= limit;
      }
      if (!ok) {
        std::fprintf(stderr, "inconsistent offsets\n");
        std::abort();
      }
    }
  } catch (const TruncationError&) {
    // An expected outcome for only_first/only_second.
  }
  return 0;
}

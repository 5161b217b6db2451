// Fuzz target: Tokenizer::Encode on arbitrary bytes (ill-formed UTF-8 included).
// Input layout: byte 0 = options (bits 0-1 strategy, bit 2 pair, bit 3 no special tokens,
// bits 4-7 -> max_length in {0, 1..15, ...}), byte 1 = split point fraction, rest = text.
// The tokenizer file comes from $CROSSRANK_FUZZ_TOKENIZER (default: the shared BERT file).
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
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);
  const size_t split = text.size() * data[1] / 256;
  try {
    if (opt & 4) {
      const std::string_view b = text.substr(split);
      tok->Encode(text.substr(0, split), &b, o);
    } else {
      tok->Encode(text, nullptr, o);
    }
  } catch (const TruncationError&) {
    // An expected outcome for only_first/only_second.
  }
  return 0;
}

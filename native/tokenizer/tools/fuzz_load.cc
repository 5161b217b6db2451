// Fuzz target: Tokenizer::FromJson on arbitrary bytes (seed it with real tokenizer.json
// files). Any input must either load or throw TokenizerError; a loaded tokenizer must encode.
#include <string>

#include "tokenizer/tokenizer.h"
#include "fuzz_driver.h"

using crossrank::tokenizer::EncodeOptions;
using crossrank::tokenizer::Tokenizer;
using crossrank::tokenizer::TokenizerError;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    auto tok = Tokenizer::FromJson(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
    EncodeOptions o;
    o.max_length = 16;
    const std::string_view b("[SEP] second s\xC3\xA9quence");
    tok->Encode("Hello, w\xC3\xB6rld! [CLS] \xE5\x8C\x97", &b, o);
    (void)tok->vocab_size();
  } catch (const TokenizerError&) {
  }
  return 0;
}

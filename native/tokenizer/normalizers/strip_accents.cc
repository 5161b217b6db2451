// StripAccents normalizer (HF normalizers/strip.rs): removes combining marks, with the table of
// HF's `is_combining_mark` (swept from the oracle into unicode_props.cc). Usually after NFD.
#include "tokenizer/components.h"
#include "tokenizer/unicode/unicode_props.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

class StripAccentsNormalizer : public Normalizer {
 public:
  void Normalize(std::string_view in, std::string* out) const override {
    size_t i = 0;
    while (i < in.size()) {
      const unsigned char b = static_cast<unsigned char>(in[i]);
      if (b < 0x80) {
        out->push_back(static_cast<char>(b));
        ++i;
        continue;
      }
      size_t len;
      const char32_t cp = utf8::Decode(in, i, &len);
      if (!(unicode_props::Get(cp) & unicode_props::kCombining)) out->append(in.data() + i, len);
      i += len;
    }
  }
};

}  // namespace

std::unique_ptr<Normalizer> BuildStripAccentsNormalizer(const json::Value&, const BuildContext&, const std::string&) {
  return std::make_unique<StripAccentsNormalizer>();
}

}  // namespace tokenizer
}  // namespace crossrank

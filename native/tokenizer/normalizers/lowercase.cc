// Lowercase normalizer (HF normalizers/utils.rs): Rust char::to_lowercase per character.
#include "tokenizer/components.h"
#include "tokenizer/unicode/unicode_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

class LowercaseNormalizer : public Normalizer {
 public:
  void Normalize(std::string_view in, std::string* out) const override {
    out->reserve(out->size() + in.size());
    size_t i = 0;
    while (i < in.size()) {
      const unsigned char b = static_cast<unsigned char>(in[i]);
      if (b < 0x80) {
        out->push_back((b >= 'A' && b <= 'Z') ? static_cast<char>(b + 32) : static_cast<char>(b));
        ++i;
        continue;
      }
      size_t len;
      const char32_t cp = utf8::Decode(in, i, &len);
      const std::string_view m = unicode_tables::Map(unicode_tables::CaseMap::kLowercase, cp);
      if (m.data() != nullptr) {
        out->append(m.data(), m.size());
      } else {
        out->append(in.data() + i, len);
      }
      i += len;
    }
  }
};

}  // namespace

std::unique_ptr<Normalizer> BuildLowercaseNormalizer(const json::Value&, const BuildContext&, const std::string&) {
  return std::make_unique<LowercaseNormalizer>();
}

}  // namespace tokenizer
}  // namespace crossrank

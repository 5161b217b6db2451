// Strip normalizer (HF normalizers/strip.rs): removes leading and/or trailing whitespace
// (Rust char::is_whitespace).
#include "tokenizer/components.h"
#include "tokenizer/unicode/unicode_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

namespace ut = unicode_tables;

class StripNormalizer : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}

  void Normalize(std::string_view in, std::string* out) const override {
    size_t b, e;
    Bounds(in, &b, &e);
    out->append(in.data() + b, e - b);
  }

  void NormalizeAligned(const AlignedText& in, AlignedText* out) const override {
    size_t b, e;
    Bounds(in.text, &b, &e);
    out->AppendSlice(in, b, e);
  }

 private:
  // The part of `in` that stays.
  void Bounds(std::string_view in, size_t* begin, size_t* end) const {
    size_t b = 0, e = in.size();
    if (left_) {
      while (b < e) {
        size_t len;
        if (!(ut::Flags(utf8::Decode(in, b, &len)) & ut::kWhitespace)) break;
        b += len;
      }
    }
    if (right_) {
      while (e > b) {
        size_t len;
        if (!(ut::Flags(utf8::DecodeBefore(in, e, &len)) & ut::kWhitespace)) break;
        e -= len;
      }
    }
    *begin = b;
    *end = e;
  }

  bool left_, right_;
};

}  // namespace

std::unique_ptr<Normalizer> BuildStripNormalizer(const json::Value& v, const BuildContext& ctx,
                                                 const std::string& path) {
  for (const char* key : {"strip_left", "strip_right"}) {
    if (!v.Find(key).exists()) ctx.Fail(v, path, std::string("missing required field \"") + key + "\"");
  }
  return std::make_unique<StripNormalizer>(ctx.GetBool(v, "strip_left", false, path),
                                           ctx.GetBool(v, "strip_right", false, path));
}

}  // namespace tokenizer
}  // namespace crossrank

// Prepend normalizer (HF normalizers/prepend.rs): prefixes a non-empty string with `prepend`.
#include "tokenizer/components.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prepend) : prepend_(std::move(prepend)) {}

  void Normalize(std::string_view in, std::string* out) const override {
    if (!in.empty()) out->append(prepend_);
    out->append(in.data(), in.size());
  }

  // HF's NormalizedString::prepend: the new chars and the first char all share its alignment.
  void NormalizeAligned(const AlignedText& in, AlignedText* out) const override {
    if (in.text.empty()) return;
    const size_t first = utf8::SeqLen(static_cast<unsigned char>(in.text[0]));
    out->AppendFrom(in, 0, first, prepend_ + in.text.substr(0, first));
    out->AppendSlice(in, first, in.text.size());
  }

 private:
  std::string prepend_;
};

}  // namespace

std::unique_ptr<Normalizer> BuildPrependNormalizer(const json::Value& v, const BuildContext& ctx,
                                                   const std::string& path) {
  return std::make_unique<PrependNormalizer>(ctx.RequireString(v, "prepend", path));
}

}  // namespace tokenizer
}  // namespace crossrank

// Prepend normalizer (HF normalizers/prepend.rs): prefixes a non-empty string with `prepend`.
#include "tokenizer/components.h"

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

// Sequence normalizer: applies its normalizers in order.
#include <vector>

#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {
namespace {

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}

  void Normalize(std::string_view in, std::string* out) const override {
    if (parts_.empty()) {
      out->append(in.data(), in.size());
      return;
    }
    if (parts_.size() == 1) {
      parts_[0]->Normalize(in, out);
      return;
    }
    std::string a, b;  // (not thread_local: a Sequence may nest another Sequence)
    parts_[0]->Normalize(in, &a);
    for (size_t k = 1; k + 1 < parts_.size(); ++k) {
      b.clear();
      parts_[k]->Normalize(a, &b);
      a.swap(b);
    }
    parts_.back()->Normalize(a, out);
  }

  void NormalizeAligned(const AlignedText& in, AlignedText* out) const override {
    if (parts_.empty()) {
      out->AppendSlice(in, 0, in.text.size());
      return;
    }
    AlignedText a, b;
    parts_[0]->NormalizeAligned(in, &a);
    for (size_t k = 1; k + 1 < parts_.size(); ++k) {
      b.clear();
      parts_[k]->NormalizeAligned(a, &b);
      std::swap(a, b);
    }
    if (parts_.size() == 1) {
      out->AppendSlice(a, 0, a.text.size());
    } else {
      parts_.back()->NormalizeAligned(a, out);
    }
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::unique_ptr<Normalizer> BuildSequenceNormalizer(const json::Value& v, const BuildContext& ctx,
                                                    const std::string& path) {
  const json::Value list = v.Find("normalizers");
  if (!list.is_array()) ctx.Fail(list.exists() ? list : v, path + ".normalizers", "expected an array of normalizers");
  std::vector<std::unique_ptr<Normalizer>> parts;
  for (size_t k = 0; k < list.size(); ++k) {
    auto part = BuildNormalizer(list[k], ctx, path + ".normalizers[" + std::to_string(k) + "]");
    if (part) parts.push_back(std::move(part));
  }
  return std::make_unique<SequenceNormalizer>(std::move(parts));
}

}  // namespace tokenizer
}  // namespace crossrank

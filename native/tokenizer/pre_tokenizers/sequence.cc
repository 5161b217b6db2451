// Sequence pre-tokenizer: each stage splits every word produced by the previous one.
#include <vector>

#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {
namespace {

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}

  void PreTokenize(std::string_view in, bool at_sequence_start, WordList* out) const override {
    if (parts_.empty()) {
      out->Add(in);
      return;
    }
    if (parts_.size() == 1) {
      parts_[0]->PreTokenize(in, at_sequence_start, out);
      return;
    }
    WordList cur, next;
    const bool tracking = out->tracking();
    if (tracking) cur.Track(in);
    parts_[0]->PreTokenize(in, at_sequence_start, &cur);
    for (size_t k = 1; k < parts_.size(); ++k) {
      WordList* dst = (k + 1 == parts_.size()) ? out : &next;
      for (size_t w = 0; w < cur.size(); ++w) {
        const size_t from = dst->sources();
        if (tracking) dst->Track(cur[w]);
        // Only the first word of a piece that starts the sequence starts it too (approximation
        // of HF's original-offset check, exact for the pre-tokenizers we have).
        parts_[k]->PreTokenize(cur[w], at_sequence_start && w == 0, dst);
        if (tracking) dst->Rebase(from, cur, w);
      }
      if (dst == &next) {
        std::swap(cur, next);
        next.clear();
      }
    }
    if (tracking) out->Track(in);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

}  // namespace

std::unique_ptr<PreTokenizer> BuildSequencePreTokenizer(const json::Value& v, const BuildContext& ctx,
                                                        const std::string& path) {
  const json::Value list = v.Find("pretokenizers");
  if (!list.is_array()) {
    ctx.Fail(list.exists() ? list : v, path + ".pretokenizers", "expected an array of pre-tokenizers");
  }
  std::vector<std::unique_ptr<PreTokenizer>> parts;
  for (size_t k = 0; k < list.size(); ++k) {
    auto part = BuildPreTokenizer(list[k], ctx, path + ".pretokenizers[" + std::to_string(k) + "]");
    if (part) parts.push_back(std::move(part));
  }
  return std::make_unique<SequencePreTokenizer>(std::move(parts));
}

}  // namespace tokenizer
}  // namespace crossrank

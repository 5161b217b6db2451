// The post-processing every tokenizer gets when its file adds no tokens: the sequences are
// concatenated, A with type id 0 and B with type id 1 (HF's default for a missing post_processor,
// and what ByteLevel's offset-only processing leaves of the ids).
#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {
namespace {

class IdentityProcessing : public PostProcessor {
 public:
  size_t AddedTokens(bool) const override { return 0; }

  void Process(const std::vector<int32_t>& a, const std::vector<int32_t>* b, bool, Encoding* out) const override {
    out->ids.insert(out->ids.end(), a.begin(), a.end());
    out->type_ids.insert(out->type_ids.end(), a.size(), 0);
    if (b) {
      out->ids.insert(out->ids.end(), b->begin(), b->end());
      out->type_ids.insert(out->type_ids.end(), b->size(), 1);
    }
    out->attention_mask.assign(out->ids.size(), 1);
  }
};

}  // namespace

std::unique_ptr<PostProcessor> MakeIdentityProcessing() { return std::make_unique<IdentityProcessing>(); }

}  // namespace tokenizer
}  // namespace crossrank

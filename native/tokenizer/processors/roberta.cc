// RobertaProcessing (HF processors/roberta.rs): <s> A </s> and, for pairs, </s> B </s>.
// Every type id is 0 (HF resets them: "Roberta is weird"); trim_offsets/add_prefix_space
// only move offsets.
#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {
namespace {

class RobertaProcessing : public PostProcessor {
 public:
  RobertaProcessing(int32_t cls, int32_t sep) : cls_(cls), sep_(sep) {}

  size_t AddedTokens(bool is_pair) const override { return is_pair ? 4 : 2; }

  void Process(const std::vector<int32_t>& a, const std::vector<int32_t>* b, bool add_special_tokens,
               Encoding* out) const override {
    if (add_special_tokens) out->ids.push_back(cls_);
    out->ids.insert(out->ids.end(), a.begin(), a.end());
    if (add_special_tokens) out->ids.push_back(sep_);
    if (b) {
      if (add_special_tokens) out->ids.push_back(sep_);
      out->ids.insert(out->ids.end(), b->begin(), b->end());
      if (add_special_tokens) out->ids.push_back(sep_);
    }
    out->type_ids.assign(out->ids.size(), 0);
    out->attention_mask.assign(out->ids.size(), 1);
  }

 private:
  int32_t cls_, sep_;
};

}  // namespace

std::unique_ptr<PostProcessor> BuildRobertaProcessing(const json::Value& v, const BuildContext& ctx,
                                                      const std::string& path) {
  ctx.GetBool(v, "trim_offsets", true, path);
  ctx.GetBool(v, "add_prefix_space", true, path);
  return std::make_unique<RobertaProcessing>(ctx.RequireTokenIdPair(v, "cls", path), ctx.RequireTokenIdPair(v, "sep", path));
}

}  // namespace tokenizer
}  // namespace crossrank

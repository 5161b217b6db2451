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
  const bool trim = ctx.GetBool(v, "trim_offsets", true, path);
  const bool add_prefix_space = ctx.GetBool(v, "add_prefix_space", true, path);
  auto cls = ctx.RequireTokenIdPair(v, "cls", path);
  auto sep = ctx.RequireTokenIdPair(v, "sep", path);
  auto out = std::make_unique<RobertaProcessing>(cls.second, sep.second);
  out->special_token_names = {{cls.second, cls.first}, {sep.second, sep.first}};
  if (trim) out->offset_trims.push_back(add_prefix_space);
  return out;
}

}  // namespace tokenizer
}  // namespace crossrank

// BertProcessing (HF processors/bert.rs): [CLS] A [SEP] (types 0) and, for pairs,
// B [SEP] with type 1.
#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {
namespace {

class BertProcessing : public PostProcessor {
 public:
  BertProcessing(int32_t cls, int32_t sep) : cls_(cls), sep_(sep) {}

  size_t AddedTokens(bool is_pair) const override { return is_pair ? 3 : 2; }

  void Process(const std::vector<int32_t>& a, const std::vector<int32_t>* b, bool add_special_tokens,
               Encoding* out) const override {
    if (add_special_tokens) {
      out->ids.push_back(cls_);
      out->type_ids.push_back(0);
    }
    out->ids.insert(out->ids.end(), a.begin(), a.end());
    out->type_ids.insert(out->type_ids.end(), a.size(), 0);
    if (add_special_tokens) {
      out->ids.push_back(sep_);
      out->type_ids.push_back(0);
    }
    if (b) {
      out->ids.insert(out->ids.end(), b->begin(), b->end());
      out->type_ids.insert(out->type_ids.end(), b->size(), 1);
      if (add_special_tokens) {
        out->ids.push_back(sep_);
        out->type_ids.push_back(1);
      }
    }
    out->attention_mask.assign(out->ids.size(), 1);
  }

 private:
  int32_t cls_, sep_;
};

}  // namespace

std::unique_ptr<PostProcessor> BuildBertProcessing(const json::Value& v, const BuildContext& ctx,
                                                   const std::string& path) {
  auto cls = ctx.RequireTokenIdPair(v, "cls", path);
  auto sep = ctx.RequireTokenIdPair(v, "sep", path);
  auto out = std::make_unique<BertProcessing>(cls.second, sep.second);
  out->special_token_names = {{cls.second, cls.first}, {sep.second, sep.first}};
  return out;
}

}  // namespace tokenizer
}  // namespace crossrank

// ByteLevel post-processor (HF pre_tokenizers/byte_level.rs as a PostProcessor): it only trims
// offsets, so ids and type ids pass through (A type 0, B type 1) and no token is added.
#include "components.h"

namespace crossrank {
namespace tokenizer {
namespace {

class ByteLevelProcessing : public PostProcessor {
 public:
  size_t AddedTokens(bool) const override { return 0; }

  void Process(const std::vector<int32_t>& a, const std::vector<int32_t>* b, bool,
               Encoding* out) const override {
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

std::unique_ptr<PostProcessor> BuildByteLevelProcessing(const json::Value& v, const BuildContext& ctx,
                                                        const std::string& path) {
  ctx.GetBool(v, "trim_offsets", true, path);
  ctx.GetBool(v, "add_prefix_space", true, path);
  ctx.GetBool(v, "use_regex", true, path);
  return std::make_unique<ByteLevelProcessing>();
}

}  // namespace tokenizer
}  // namespace crossrank

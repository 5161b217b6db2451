// Sequence post-processor (HF processors/sequence.rs): runs its processors in turn. The files
// in the wild pair ByteLevel (offsets only: no effect on ids) with at most one processor that
// adds tokens (TemplateProcessing, RobertaProcessing, BertProcessing); that is what we support.
// Chains of several id-adding processors (HF feeds each one the previous one's parts) are
// refused with a clear error rather than guessed.
#include <vector>

#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {

std::unique_ptr<PostProcessor> BuildSequenceProcessing(const json::Value& v, const BuildContext& ctx,
                                                       const std::string& path) {
  const json::Value list = v.Find("processors");
  if (!list.is_array()) {
    ctx.Fail(list.exists() ? list : v, path + ".processors", "expected an array of post-processors");
  }
  std::unique_ptr<PostProcessor> active;
  size_t active_index = 0;
  std::vector<bool> trims;
  for (size_t k = 0; k < list.size(); ++k) {
    const std::string p = path + ".processors[" + std::to_string(k) + "]";
    const bool identity = ctx.TypeOf(list[k], p) == "ByteLevel";
    auto part = BuildPostProcessor(list[k], ctx, p);  // validates every part
    if (part) trims.insert(trims.end(), part->offset_trims.begin(), part->offset_trims.end());
    if (identity || !part) continue;
    if (active) {
      ctx.Fail(list[k], p,
               "a Sequence post-processor with more than one processor that adds tokens (here processors[" +
                   std::to_string(active_index) + "] and [" + std::to_string(k) + "]) is not supported");
    }
    active = std::move(part);
    active_index = k;
  }
  if (!active) active = MakeIdentityProcessing();
  active->offset_trims = std::move(trims);  // (special_token_names: the active one's)
  return active;
}

}  // namespace tokenizer
}  // namespace crossrank

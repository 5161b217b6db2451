// ByteLevel post-processor (HF pre_tokenizers/byte_level.rs as a PostProcessor): it only trims
// offsets, so ids and type ids pass through (A type 0, B type 1) and no token is added.
#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {

std::unique_ptr<PostProcessor> BuildByteLevelProcessing(const json::Value& v, const BuildContext& ctx,
                                                        const std::string& path) {
  ctx.GetBool(v, "trim_offsets", true, path);
  ctx.GetBool(v, "add_prefix_space", true, path);
  ctx.GetBool(v, "use_regex", true, path);
  return MakeIdentityProcessing();
}

}  // namespace tokenizer
}  // namespace crossrank

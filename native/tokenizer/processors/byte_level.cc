// ByteLevel post-processor (HF pre_tokenizers/byte_level.rs as a PostProcessor): it only trims
// offsets, so ids and type ids pass through (A type 0, B type 1) and no token is added.
#include <algorithm>
#include <string>

#include "tokenizer/components.h"
#include "tokenizer/unicode/unicode_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {

namespace {

// How many space chars ('Ġ', the stand-in of ' ', or whitespace) `token` starts (or, `from_end`,
// ends) with.
size_t SpaceChars(std::string_view token, bool from_end) {
  constexpr std::string_view kSpace = "\xC4\xA0";  // U+0120
  size_t n = 0;
  size_t i = from_end ? token.size() : 0;
  while (from_end ? i > 0 : i < token.size()) {
    size_t len;
    const char32_t c = from_end ? utf8::DecodeBefore(token, i, &len) : utf8::Decode(token, i, &len);
    if (token.substr(from_end ? i - len : i, len) != kSpace && !(unicode_tables::Flags(c) & unicode_tables::kWhitespace)) break;
    ++n;
    i = from_end ? i - len : i + len;
  }
  return n;
}

}  // namespace

void TrimByteLevelOffsets(const std::vector<std::string>& tokens, bool add_prefix_space, std::string_view text,
                          std::vector<Offsets>* offsets) {
  // HF moves character offsets by a count of characters; ours are bytes, so step characters.
  auto forward = [&](uint32_t at, size_t chars) {
    while (chars-- > 0 && at < text.size()) at += static_cast<uint32_t>(utf8::SeqLen(static_cast<unsigned char>(text[at])));
    return at;
  };
  auto back = [&](uint32_t at, size_t chars, bool* reached) {
    *reached = true;
    while (chars-- > 0) {
      if (at == 0) {
        *reached = false;
        return at;
      }
      size_t len;
      utf8::DecodeBefore(text, at, &len);
      at -= static_cast<uint32_t>(len);
    }
    return at;
  };
  for (size_t i = 0; i < tokens.size(); ++i) {
    Offsets& o = (*offsets)[i];
    size_t leading = SpaceChars(tokens[i], false);
    const size_t trailing = SpaceChars(tokens[i], true);
    if (leading > 0) {
      const bool is_first = i == 0 || o.first == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      o.first = std::min(forward(o.first, leading), o.second);
    }
    bool enough = false;  // HF: offsets.1 >= trailing_spaces (in characters)
    const uint32_t end = trailing > 0 ? back(o.second, trailing, &enough) : o.second;
    if (trailing > 0 && enough) o.second = std::max(end, o.first);
  }
}

std::unique_ptr<PostProcessor> BuildByteLevelProcessing(const json::Value& v, const BuildContext& ctx,
                                                        const std::string& path) {
  const bool trim = ctx.GetBool(v, "trim_offsets", true, path);
  const bool add_prefix_space = ctx.GetBool(v, "add_prefix_space", true, path);
  ctx.GetBool(v, "use_regex", true, path);
  auto out = MakeIdentityProcessing();
  if (trim) out->offset_trims.push_back(add_prefix_space);
  return out;
}

}  // namespace tokenizer
}  // namespace crossrank

#include "engine/prompt_template.h"

#include <array>
#include <utility>

#include "common/error.h"

namespace crossrank::engine {
namespace {

tokenizer::Encoding EncodePlain(const tokenizer::Tokenizer& tokenizer, std::string_view text, size_t max_tokens,
                                tokenizer::TruncationDirection direction) {
  tokenizer::EncodeOptions options;
  options.add_special_tokens = false;
  options.max_length = max_tokens;
  options.direction = direction;
  return tokenizer.Encode(text, options);
}

int64_t SingleTokenId(const tokenizer::Tokenizer& tokenizer, const std::string& token, const char* which) {
  const std::vector<int32_t> ids = EncodePlain(tokenizer, token, 0, tokenizer::TruncationDirection::Right).ids;
  if (ids.size() != 1) {
    throw Error(ErrorCode::InvalidArgument, std::string("the template's ") + which + " token '" + token + "' is " +
                                                std::to_string(ids.size()) + " tokens in " + tokenizer.source_name() +
                                                "; it must be exactly one token of the vocabulary");
  }
  return ids[0];
}

}  // namespace

PromptBuilder::PromptBuilder(const tokenizer::Tokenizer& tokenizer, PromptTemplate prompt, size_t max_length)
    : tokenizer_(tokenizer), prompt_(std::move(prompt)), max_length_(max_length) {
  static constexpr std::array<std::pair<std::string_view, Slot>, 3> kPlaceholders{
      {{"{instruction}", Slot::Instruction}, {"{query}", Slot::Query}, {"{document}", Slot::Document}}};
  std::string_view rest = prompt_.body;
  std::string text;
  while (!rest.empty()) {
    bool matched = false;
    for (const auto& [placeholder, slot] : kPlaceholders) {
      if (rest.substr(0, placeholder.size()) != placeholder) continue;
      if (!text.empty()) body_.push_back({Slot::Text, std::move(text)});
      text.clear();
      body_.push_back({slot, {}});
      rest.remove_prefix(placeholder.size());
      matched = true;
      break;
    }
    if (!matched) {
      text.push_back(rest.front());
      rest.remove_prefix(1);
    }
  }
  if (!text.empty()) body_.push_back({Slot::Text, std::move(text)});

  const auto right = tokenizer::TruncationDirection::Right;
  prefix_ids_ = EncodePlain(tokenizer_, prompt_.prefix, 0, right).ids;
  suffix_ids_ = EncodePlain(tokenizer_, prompt_.suffix, 0, right).ids;
  if (prefix_ids_.size() + suffix_ids_.size() >= max_length_) {
    throw Error(ErrorCode::InvalidArgument,
                "the template's prefix and suffix take " + std::to_string(prefix_ids_.size() + suffix_ids_.size()) +
                    " tokens, leaving no room for the query and document within maxLength (" +
                    std::to_string(max_length_) + ")");
  }
  yes_id_ = SingleTokenId(tokenizer_, prompt_.yes_token, "yes");
  if (!prompt_.no_token.empty()) no_id_ = SingleTokenId(tokenizer_, prompt_.no_token, "no");
}

Unit PromptBuilder::Build(uint32_t pair, std::string_view query, std::string_view document,
                          const std::string* instruction, tokenizer::TruncationDirection direction) const {
  std::string middle;
  middle.reserve(prompt_.body.size() + query.size() + document.size() + prompt_.instruction.size());
  for (const Piece& piece : body_) {
    switch (piece.slot) {
      case Slot::Text: middle += piece.text; break;
      case Slot::Instruction: middle += instruction ? *instruction : prompt_.instruction; break;
      case Slot::Query: middle += query; break;
      case Slot::Document: middle += document; break;
    }
  }
  const size_t room = max_length_ - prefix_ids_.size() - suffix_ids_.size();
  const std::vector<int32_t> middle_ids = EncodePlain(tokenizer_, middle, room, direction).ids;
  Unit unit;
  unit.pair = pair;
  unit.ids.reserve(prefix_ids_.size() + middle_ids.size() + suffix_ids_.size());
  unit.ids.insert(unit.ids.end(), prefix_ids_.begin(), prefix_ids_.end());
  unit.ids.insert(unit.ids.end(), middle_ids.begin(), middle_ids.end());
  unit.ids.insert(unit.ids.end(), suffix_ids_.begin(), suffix_ids_.end());
  unit.type_ids.assign(unit.ids.size(), 0);
  return unit;
}

}  // namespace crossrank::engine

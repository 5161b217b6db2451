// Split pre-tokenizer (HF pre_tokenizers/split.rs): splits on a pattern, a literal
// {"String": "..."} or an Oniguruma {"Regex": "..."}, with a SplitDelimiterBehavior; `invert`
// swaps what counts as a match. Also HF's NormalizedString::split behaviours, shared with the
// Punctuation and Digits pre-tokenizers (split_behavior.h).
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/regex.h"
#include "tokenizer/pre_tokenizers/split_behavior.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {

SplitBehavior ReadSplitBehavior(const json::Value& obj, const char* key, SplitBehavior def, const BuildContext& ctx,
                                const std::string& path) {
  const json::Value v = obj.Find(key);
  if (!v.exists() || v.is_null()) return def;
  const std::string s = ctx.GetString(obj, key, "", path);
  if (s == "Removed") return SplitBehavior::kRemoved;
  if (s == "Isolated") return SplitBehavior::kIsolated;
  if (s == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (s == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (s == "Contiguous") return SplitBehavior::kContiguous;
  ctx.Fail(v, path + "." + key,
           "unknown split behavior \"" + s + "\" (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
}

void ApplySplitBehavior(std::string_view in, const std::vector<MatchSpan>& matches, SplitBehavior behavior,
                        WordList* out) {
  struct Span {
    size_t begin, end;
    bool remove;
  };
  thread_local std::vector<Span> splits;
  splits.clear();
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const auto& m : matches) splits.push_back({m.begin, m.end, m.is_match});
      break;
    case SplitBehavior::kIsolated:
      for (const auto& m : matches) splits.push_back({m.begin, m.end, false});
      break;
    case SplitBehavior::kContiguous: {
      bool previous = false;
      for (const auto& m : matches) {
        if (m.is_match == previous && !splits.empty()) {
          splits.back().end = m.end;
        } else {
          splits.push_back({m.begin, m.end, false});
        }
        previous = m.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous = false;
      for (const auto& m : matches) {
        if (m.is_match && !previous && !splits.empty()) {
          splits.back().end = m.end;
        } else {
          splits.push_back({m.begin, m.end, false});
        }
        previous = m.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous = false;
      for (size_t k = matches.size(); k-- > 0;) {
        const auto& m = matches[k];
        if (m.is_match && !previous && !splits.empty()) {
          splits.back().begin = m.begin;
        } else {
          splits.push_back({m.begin, m.end, false});
        }
        previous = m.is_match;
      }
      std::reverse(splits.begin(), splits.end());
      break;
    }
  }
  for (const auto& s : splits) {
    if (!s.remove && s.end > s.begin) out->Add(in.substr(s.begin, s.end - s.begin));
  }
}

namespace {

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(std::string literal, std::unique_ptr<Regex> regex, SplitBehavior behavior, bool invert)
      : literal_(std::move(literal)), regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}

  void PreTokenize(std::string_view in, bool, WordList* out) const override {
    thread_local std::vector<MatchSpan> matches;
    thread_local std::vector<std::pair<size_t, size_t>> found;
    found.clear();
    Find(in, &found);
    // HF's `impl Pattern for &Regex`: the matches plus the gaps between them.
    matches.clear();
    if (in.empty()) {
      matches.push_back({0, 0, false});
    } else {
      size_t prev = 0;
      for (const auto& f : found) {
        if (prev != f.first) matches.push_back({prev, f.first, false});
        matches.push_back({f.first, f.second, true});
        prev = f.second;
      }
      if (prev != in.size()) matches.push_back({prev, in.size(), false});
    }
    if (invert_) {
      for (auto& m : matches) m.is_match = !m.is_match;
    }
    ApplySplitBehavior(in, matches, behavior_, out);
  }

 private:
  void Find(std::string_view in, std::vector<std::pair<size_t, size_t>>* found) const {
    if (regex_) {
      regex_->FindAll(in, found);
      return;
    }
    if (literal_.empty()) {
      // HF escapes the literal into a regex: an empty one matches at every char boundary.
      for (size_t i = 0; i < in.size(); i += utf8::SeqLen(static_cast<unsigned char>(in[i]))) found->push_back({i, i});
      found->push_back({in.size(), in.size()});
      return;
    }
    for (size_t pos = in.find(literal_); pos != std::string_view::npos; pos = in.find(literal_, pos + literal_.size())) {
      found->push_back({pos, pos + literal_.size()});
    }
  }

  std::string literal_;
  std::unique_ptr<Regex> regex_;
  SplitBehavior behavior_;
  bool invert_;
};

}  // namespace

std::unique_ptr<PreTokenizer> BuildSplitPreTokenizer(const json::Value& v, const BuildContext& ctx,
                                                     const std::string& path) {
  const json::Value pattern = v.Find("pattern");
  if (!pattern.is_object() || pattern.size() != 1 ||
      !(pattern.Find("String").is_string() || pattern.Find("Regex").is_string())) {
    ctx.Fail(pattern.exists() ? pattern : v, path + ".pattern", "expected {\"String\": \"...\"} or {\"Regex\": \"...\"}");
  }
  if (!v.Find("behavior").exists()) ctx.Fail(v, path, "missing required field \"behavior\"");
  const SplitBehavior behavior = ReadSplitBehavior(v, "behavior", SplitBehavior::kIsolated, ctx, path);
  const bool invert = ctx.GetBool(v, "invert", false, path);
  std::string literal;
  std::unique_ptr<Regex> regex;
  if (pattern.Find("String").is_string()) {
    literal = std::string(pattern.Find("String").string_value());
  } else {
    const json::Value r = pattern.Find("Regex");
    try {
      regex = std::make_unique<Regex>(r.string_value());
    } catch (const TokenizerError& e) {
      ctx.Fail(r, path + ".pattern.Regex", e.what());
    }
  }
  return std::make_unique<SplitPreTokenizer>(std::move(literal), std::move(regex), behavior, invert);
}

}  // namespace tokenizer
}  // namespace crossrank

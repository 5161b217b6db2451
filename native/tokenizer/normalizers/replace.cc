// Replace normalizer (HF normalizers/replace.rs): every non-overlapping match of `pattern`
// ({"String": literal} or {"Regex": Oniguruma regex}) is replaced by `content` (no group
// references). HF turns a String pattern into an escaped regex, so an empty string matches
// between every character, as it does here.
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/regex.h"

namespace crossrank {
namespace tokenizer {
namespace {

std::string EscapeLiteral(std::string_view s) {
  std::string out;
  for (char c : s) {
    const unsigned char b = static_cast<unsigned char>(c);
    if (b < 0x80 && !((b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z'))) {
      if (b == '\n') {
        out += "\\n";
        continue;
      }
      if (b == '\t') {
        out += "\\t";
        continue;
      }
      if (b == '\r') {
        out += "\\r";
        continue;
      }
      if (b < 0x20 || b == 0x7F) {
        static const char* hex = "0123456789ABCDEF";
        out += "\\x";
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 15]);
        continue;
      }
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(Regex regex, std::string content) : regex_(std::move(regex)), content_(std::move(content)) {}

  void Normalize(std::string_view in, std::string* out) const override {
    if (in.empty()) return;  // HF: no match is searched in an empty string
    thread_local std::vector<std::pair<size_t, size_t>> matches;
    matches.clear();
    regex_.FindAll(in, &matches);
    size_t prev = 0;
    for (const auto& m : matches) {
      out->append(in.data() + prev, m.first - prev);
      out->append(content_);
      prev = m.second;
    }
    out->append(in.data() + prev, in.size() - prev);
  }

  // HF's NormalizedString::replace inserts `content` after removing the match, so the new chars
  // share the alignment of the match's last byte.
  void NormalizeAligned(const AlignedText& in, AlignedText* out) const override {
    if (in.text.empty()) return;
    std::vector<std::pair<size_t, size_t>> matches;
    regex_.FindAll(in.text, &matches);
    size_t prev = 0;
    for (const auto& m : matches) {
      out->AppendSlice(in, prev, m.first);
      out->AppendFrom(in, m.second, m.second, content_);
      prev = m.second;
    }
    out->AppendSlice(in, prev, in.text.size());
  }

 private:
  Regex regex_;
  std::string content_;
};

}  // namespace

std::unique_ptr<Normalizer> BuildReplaceNormalizer(const json::Value& v, const BuildContext& ctx,
                                                   const std::string& path) {
  const json::Value pattern = v.Find("pattern");
  if (!pattern.exists()) ctx.Fail(v, path, "missing required field \"pattern\"");
  const std::string content = ctx.RequireString(v, "content", path);
  if (!pattern.is_object() || pattern.size() != 1 || !pattern.value(0).is_string() ||
      (pattern.key(0) != "String" && pattern.key(0) != "Regex")) {
    ctx.Fail(pattern, path + ".pattern", "expected {\"String\": \"...\"} or {\"Regex\": \"...\"}");
  }
  const std::string_view text = pattern.value(0).string_value();
  try {
    if (pattern.key(0) == "String") return std::make_unique<ReplaceNormalizer>(Regex(EscapeLiteral(text)), content);
    return std::make_unique<ReplaceNormalizer>(Regex(text), content);
  } catch (const TokenizerError& e) {
    ctx.Fail(pattern, path + ".pattern", e.what());
  }
}

}  // namespace tokenizer
}  // namespace crossrank

// Metaspace pre-tokenizer (HF pre_tokenizers/metaspace.rs): ' ' becomes `replacement` ("▁"),
// the piece gets a leading "▁" (prepend_scheme "always"; "first": only the piece that starts the
// sequence; "never"), then, with `split`, each "▁" starts a new word (MergedWithNext).
#include "tokenizer/components.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

enum class Prepend { kAlways, kFirst, kNever };

class MetaspacePreTokenizer : public PreTokenizer {
 public:
  MetaspacePreTokenizer(std::string replacement, Prepend prepend, bool split)
      : rep_(std::move(replacement)), prepend_(prepend), split_(split) {}

  void PreTokenize(std::string_view in, bool at_sequence_start, WordList* out) const override {
    if (in.empty()) return;  // HF drops empty pieces before the pre-tokenizer
    std::string& text = out->text();
    size_t word = text.size();
    const bool starts_with_rep = in[0] == ' ' || in.compare(0, rep_.size(), rep_) == 0;
    if (!starts_with_rep && (prepend_ == Prepend::kAlways || (prepend_ == Prepend::kFirst && at_sequence_start))) {
      text.append(rep_);
      out->AddSource(0, rep_.size());  // HF's prepend: aligned with the first char
    }
    for (size_t i = 0; i < in.size();) {
      const bool space = in[i] == ' ';
      const bool rep = space || in.compare(i, rep_.size(), rep_) == 0;
      // With `split`, every replacement starts a new word (MergedWithNext).
      if (rep && split_ && text.size() > word) {
        out->EndWord(word);
        word = text.size();
      }
      if (rep) {
        text.append(rep_);
        out->AddSource(static_cast<uint32_t>(i), rep_.size());
        i += space ? 1 : rep_.size();
      } else {
        text.push_back(in[i]);
        out->AddSource(static_cast<uint32_t>(i), 1);
        ++i;
      }
    }
    if (text.size() > word) out->EndWord(word);
  }

 private:
  std::string rep_;
  Prepend prepend_;
  bool split_;
};

}  // namespace

std::unique_ptr<PreTokenizer> BuildMetaspacePreTokenizer(const json::Value& v, const BuildContext& ctx,
                                                         const std::string& path) {
  const std::string rep = ctx.RequireString(v, "replacement", path);
  if (rep.empty() || utf8::CountChars(rep) != 1 || !utf8::IsValid(rep)) {
    ctx.Fail(v.Find("replacement"), path + ".replacement", "expected a single character");
  }
  // HF 0.23: prepend_scheme defaults to "always" and wins; the legacy add_prefix_space may only
  // be false together with "never" (any other combination is HF's load error).
  Prepend prepend = Prepend::kAlways;
  const json::Value scheme = v.Find("prepend_scheme");
  if (scheme.exists()) {
    if (!scheme.is_string()) ctx.Fail(scheme, path + ".prepend_scheme", "expected \"always\", \"first\" or \"never\"");
    const std::string_view s = scheme.string_value();
    if (s == "always") {
      prepend = Prepend::kAlways;
    } else if (s == "first") {
      prepend = Prepend::kFirst;
    } else if (s == "never") {
      prepend = Prepend::kNever;
    } else {
      ctx.Fail(scheme, path + ".prepend_scheme",
               "unknown prepend_scheme \"" + std::string(s) + "\" (expected always, first or never)");
    }
  }
  bool has_prefix = false;
  const bool add_prefix_space = ctx.GetOptionalBool(v, "add_prefix_space", &has_prefix, path);
  if (has_prefix && !add_prefix_space && prepend != Prepend::kNever) {
    ctx.Fail(v.Find("add_prefix_space"), path + ".add_prefix_space",
             "add_prefix_space does not match declared prepend_scheme");
  }
  const bool split = ctx.GetBool(v, "split", true, path);
  return std::make_unique<MetaspacePreTokenizer>(rep, prepend, split);
}

}  // namespace tokenizer
}  // namespace crossrank

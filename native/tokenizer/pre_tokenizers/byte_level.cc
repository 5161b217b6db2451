// ByteLevel pre-tokenizer (HF pre_tokenizers/byte_level.rs): optionally prepends a space to
// each piece, splits it with GPT-2's pattern
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (use_regex, the default), and maps every byte to its printable stand-in (bytes_to_unicode:
// '!'..'~', '¡'..'¬', '®'..'ÿ' map to themselves, the other 68 bytes to U+0100..U+0143).
//
// The pattern is matched by hand (leftmost, first alternative wins, as Oniguruma does), with
// \p{L}, \p{N} and \s from tables probed out of the oracle (unicode_bpe_tables.cc).
#include <string>

#include "tokenizer/components.h"
#include "tokenizer/unicode/unicode_bpe_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {

// Shared with processor/normalizer code that needs the byte-level alphabet.
const std::string* ByteLevelAlphabet() {
  static const std::string* table = [] {
    static std::string t[256];
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool keep = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      const char32_t cp = keep ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      utf8::Append(&t[b], cp);
    }
    return t;
  }();
  return table;
}

namespace {

namespace ub = unicode_bpe;

enum Class : uint8_t { kL, kN, kS, kO };

inline Class ClassOf(char32_t cp) {
  const uint8_t f = ub::Classes(cp);
  if (f & ub::kLetter) return kL;
  if (f & ub::kNumber) return kN;
  if (f & ub::kSpace) return kS;
  return kO;
}

struct AsciiClasses {
  Class c[128];
  AsciiClasses() {
    for (char32_t b = 0; b < 128; ++b) c[b] = ClassOf(b);
  }
};
const AsciiClasses kAscii;

inline Class ClassAt(std::string_view s, size_t i, size_t* len) {
  const unsigned char b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    *len = 1;
    return kAscii.c[b];
  }
  return ClassOf(utf8::Decode(s, i, len));
}

// End of the run of `cls` characters starting at i.
inline size_t RunEnd(std::string_view s, size_t i, Class cls) {
  while (i < s.size()) {
    size_t len;
    if (ClassAt(s, i, &len) != cls) break;
    i += len;
  }
  return i;
}

// End of the GPT-2 pattern's match at i (i < s.size(); every position matches something).
size_t MatchGpt2(std::string_view s, size_t i) {
  const size_t n = s.size();
  if (s[i] == '\'' && i + 1 < n) {
    const char c1 = s[i + 1];
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
    if (i + 2 < n) {
      const char c2 = s[i + 2];
      if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return i + 3;
    }
  }
  size_t len;
  if (s[i] == ' ' && i + 1 < n) {
    const Class next = ClassAt(s, i + 1, &len);
    if (next != kS) return RunEnd(s, i + 1 + len, next);
  } else {
    const Class cls = ClassAt(s, i, &len);
    if (cls != kS) return RunEnd(s, i + len, cls);
  }
  // \s+(?!\S) | \s+
  const size_t k = RunEnd(s, i, kS);
  if (k == n) return n;
  size_t last_len;
  utf8::DecodeBefore(s, k, &last_len);
  return k - last_len > i ? k - last_len : k;
}

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space), use_regex_(use_regex), alphabet_(ByteLevelAlphabet()) {}

  void PreTokenize(std::string_view in, bool, WordList* out) const override {
    if (in.empty()) return;
    const bool prefix = add_prefix_space_ && in[0] != ' ';
    if (prefix) {
      thread_local std::string buf;
      buf.assign(1, ' ');
      buf.append(in.data(), in.size());
      Split(buf, 1, out);
    } else {
      Split(in, 0, out);
    }
  }

 private:
  // `s` is the piece with `shift` prefix bytes added in front.
  void Split(std::string_view s, size_t shift, WordList* out) const {
    if (!use_regex_) {
      Emit(s, 0, shift, out);
      return;
    }
    for (size_t i = 0; i < s.size();) {
      const size_t end = MatchGpt2(s, i);
      Emit(s.substr(i, end - i), i, shift, out);
      i = end;
    }
  }

  void Emit(std::string_view piece, size_t at, size_t shift, WordList* out) const {
    std::string& text = out->text();
    const size_t begin = text.size();
    if (!out->tracking()) {
      for (unsigned char b : piece) text += alphabet_[b];
    } else {
      // Each byte's stand-in shares its char's alignment; the prefix space shares the first char's.
      for (size_t k = 0; k < piece.size(); ++k) {
        const std::string& c = alphabet_[static_cast<unsigned char>(piece[k])];
        text += c;
        out->AddSource(static_cast<uint32_t>(at + k < shift ? 0 : at + k - shift), c.size());
      }
    }
    out->EndWord(begin);
  }

  bool add_prefix_space_;
  bool use_regex_;
  const std::string* alphabet_;
};

}  // namespace

std::unique_ptr<PreTokenizer> BuildByteLevelPreTokenizer(const json::Value& v, const BuildContext& ctx,
                                                         const std::string& path) {
  const bool add_prefix_space = ctx.GetBool(v, "add_prefix_space", true, path);
  ctx.GetBool(v, "trim_offsets", true, path);  // offsets only
  const bool use_regex = ctx.GetBool(v, "use_regex", true, path);
  return std::make_unique<ByteLevelPreTokenizer>(add_prefix_space, use_regex);
}

}  // namespace tokenizer
}  // namespace crossrank

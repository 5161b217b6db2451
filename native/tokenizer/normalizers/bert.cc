// BertNormalizer (HF normalizers/bert.rs): clean_text, handle_chinese_chars, strip_accents
// (NFD + drop Mn), lowercase, in that order, using the oracle-generated tables.
#include <string>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/normalizers/decompose.h"
#include "tokenizer/unicode/unicode_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

namespace ut = unicode_tables;

class BertNormalizer : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, bool strip_accents, bool lowercase)
      : clean_text_(clean_text), handle_chinese_chars_(handle_chinese_chars) {
    if (strip_accents && lowercase) {
      mode_ = Mode::kUncased;
    } else if (strip_accents) {
      mode_ = Mode::kStrip;
    } else if (lowercase) {
      mode_ = Mode::kLower;
    } else {
      mode_ = Mode::kNone;
    }
  }

  void Normalize(std::string_view in, std::string* out) const override {
    out->reserve(out->size() + in.size() + in.size() / 4);
    const bool nfd = mode_ == Mode::kUncased || mode_ == Mode::kStrip;
    const bool lower_ascii = mode_ == Mode::kUncased || mode_ == Mode::kLower;
    const ut::CaseMap map = mode_ == Mode::kUncased ? ut::CaseMap::kUncased
                            : mode_ == Mode::kStrip ? ut::CaseMap::kStripAccents
                                                    : ut::CaseMap::kLowercase;
    // Start (byte offset in *out) of the current run of kept combining marks, which NFD's
    // canonical ordering sorts by combining class.
    size_t run_begin = out->size();
    const size_t n = in.size();
    size_t i = 0;
    while (i < n) {
      const unsigned char b = static_cast<unsigned char>(in[i]);
      if (b < 0x80) {
        ++i;
        char c = static_cast<char>(b);
        if (clean_text_ && (b < 0x20 || b == 0x7F)) {
          if (b == '\t' || b == '\n' || b == '\r') {
            c = ' ';
          } else {
            continue;  // control characters (incl. U+0000) are removed
          }
        }
        if (lower_ascii && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
        out->push_back(c);
        run_begin = out->size();
        continue;
      }
      size_t len;
      char32_t cp = utf8::Decode(in, i, &len);
      const std::string_view src = in.substr(i, len);
      i += len;
      uint8_t flags = ut::Flags(cp);
      if (clean_text_) {
        if (flags & ut::kRemoved) continue;
        if (flags & ut::kCleanSpace) {
          out->push_back(' ');
          run_begin = out->size();
          continue;
        }
      }
      const bool cjk = handle_chinese_chars_ && ut::IsCjk(cp);
      if (cjk) {
        out->push_back(' ');
        run_begin = out->size();
      }
      std::string_view piece = src;
      if (mode_ != Mode::kNone) {
        const std::string_view m = ut::Map(map, cp);
        if (m.data() != nullptr) piece = m;
      }
      if (!nfd) {
        out->append(piece.data(), piece.size());
      } else {
        if (flags & ut::kDecompStarter) run_begin = out->size();
        AppendWithCanonicalOrder(piece, out, &run_begin);
      }
      if (cjk) {
        out->push_back(' ');
        run_begin = out->size();
      }
    }
  }

  // Without accent stripping every step is per character (the default is exact). With it, HF's
  // NFD reorders combining marks before the non-spacing ones are dropped, and alignments follow
  // positions, not characters (a kept mark can end up with its neighbour's range), so replay HF's
  // steps: clean_text and CJK spacing, NFD, then drop Mn and lowercase.
  void NormalizeAligned(const AlignedText& in, AlignedText* out) const override {
    if (mode_ != Mode::kUncased && mode_ != Mode::kStrip) {
      Normalizer::NormalizeAligned(in, out);
      return;
    }
    AlignedText cleaned, decomposed;
    PerChar(in, &cleaned, [&](char32_t cp, std::string* piece) {
      const uint8_t flags = ut::Flags(cp);
      if (clean_text_ && (flags & ut::kRemoved)) return;
      if (clean_text_ && (flags & ut::kCleanSpace)) {
        piece->push_back(' ');
      } else if (handle_chinese_chars_ && ut::IsCjk(cp)) {
        piece->push_back(' ');
        utf8::Append(piece, cp);
        piece->push_back(' ');
      } else {
        utf8::Append(piece, cp);
      }
    });
    nfd_->NormalizeAligned(cleaned, &decomposed);
    PerChar(decomposed, out, [&](char32_t cp, std::string* piece) {
      const std::string_view stripped = ut::Map(ut::CaseMap::kStripAccents, cp);
      if (stripped.data() != nullptr && stripped.empty()) return;  // Mn (cp is decomposed already)
      const std::string_view lower = mode_ == Mode::kUncased ? ut::Map(ut::CaseMap::kLowercase, cp) : std::string_view();
      if (lower.data() != nullptr) {
        piece->append(lower.data(), lower.size());
      } else {
        utf8::Append(piece, cp);
      }
    });
  }

 private:
  enum class Mode { kNone, kUncased, kStrip, kLower };

  // Appends what map(cp, &piece) makes of each char of `in`, aligned to that char.
  template <typename Map>
  static void PerChar(const AlignedText& in, AlignedText* out, Map&& map) {
    std::string piece;
    for (size_t i = 0; i < in.text.size();) {
      size_t len;
      const char32_t cp = utf8::Decode(in.text, i, &len);
      piece.clear();
      map(cp, &piece);
      out->AppendFrom(in, i, i + len, piece);
      i += len;
    }
  }

  std::unique_ptr<Normalizer> nfd_ = MakeNfdNormalizer();

  // Appends `piece`, keeping each run of combining marks sorted by combining class (stable),
  // as NFD's canonical reordering would have before the non-spacing marks were dropped.
  static void AppendWithCanonicalOrder(std::string_view piece, std::string* out, size_t* run_begin) {
    size_t j = 0;
    while (j < piece.size()) {
      size_t len;
      const char32_t m = utf8::Decode(piece, j, &len);
      const std::string_view bytes = piece.substr(j, len);
      j += len;
      if (!(ut::Flags(m) & ut::kNonStarter)) {
        out->append(bytes.data(), bytes.size());
        *run_begin = out->size();
        continue;
      }
      const uint8_t ccc = ut::CombiningClass(m);
      // Find the insertion point: after the last mark in the run with class <= ccc.
      size_t pos = out->size();
      while (pos > *run_begin) {
        size_t plen;
        const char32_t prev = utf8::DecodeBefore(*out, pos, &plen);
        if (ut::CombiningClass(prev) <= ccc) break;
        pos -= plen;
      }
      out->insert(pos, bytes.data(), bytes.size());
    }
  }

  bool clean_text_;
  bool handle_chinese_chars_;
  Mode mode_;
};

}  // namespace

std::unique_ptr<Normalizer> BuildBertNormalizer(const json::Value& v, const BuildContext& ctx,
                                                const std::string& path) {
  const bool clean_text = ctx.GetBool(v, "clean_text", true, path);
  const bool handle_chinese_chars = ctx.GetBool(v, "handle_chinese_chars", true, path);
  const bool lowercase = ctx.GetBool(v, "lowercase", true, path);
  bool has_strip = false;
  const bool strip = ctx.GetOptionalBool(v, "strip_accents", &has_strip, path);
  // HF: strip_accents.unwrap_or(lowercase)
  return std::make_unique<BertNormalizer>(clean_text, handle_chinese_chars, has_strip ? strip : lowercase, lowercase);
}

}  // namespace tokenizer
}  // namespace crossrank

// BertPreTokenizer (HF pre_tokenizers/bert.rs): split on whitespace (removed), then isolate
// every punctuation character (ASCII punctuation + Unicode P*, HF's old tables).
#include "tokenizer/components.h"
#include "tokenizer/unicode/unicode_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

namespace ut = unicode_tables;

class BertPreTokenizer : public PreTokenizer {
 public:
  void PreTokenize(std::string_view in, bool /*at_sequence_start*/, WordList* out) const override {
    size_t word_begin = 0;
    bool in_word = false;
    size_t i = 0;
    const size_t n = in.size();
    while (i < n) {
      const unsigned char b = static_cast<unsigned char>(in[i]);
      size_t len = 1;
      uint8_t flags;
      if (b < 0x80) {
        flags = AsciiFlags()[b];
      } else {
        flags = ut::Flags(utf8::Decode(in, i, &len));
      }
      if (flags & (ut::kWhitespace | ut::kPunct)) {
        if (in_word) {
          out->Add(in.substr(word_begin, i - word_begin));
          in_word = false;
        }
        if (flags & ut::kPunct) out->Add(in.substr(i, len));
      } else if (!in_word) {
        in_word = true;
        word_begin = i;
      }
      i += len;
    }
    if (in_word) out->Add(in.substr(word_begin));
  }

 private:
  static const uint8_t* AsciiFlags() {
    static const struct Table {
      uint8_t v[128];
      Table() {
        for (char32_t c = 0; c < 128; ++c) v[c] = ut::Flags(c);
      }
    } table;
    return table.v;
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> BuildBertPreTokenizer(const json::Value&, const BuildContext&, const std::string&) {
  return std::make_unique<BertPreTokenizer>();
}

}  // namespace tokenizer
}  // namespace crossrank

// Whitespace (regex \w+|[^\w\s]+) and WhitespaceSplit (split on whitespace) pre-tokenizers.
#include "tokenizer/components.h"
#include "tokenizer/unicode/unicode_tables.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

namespace ut = unicode_tables;

// Class of a character: 0 whitespace, 1 word (\w), 2 other.
inline int ClassAt(std::string_view s, size_t i, size_t* len) {
  const uint8_t f = ut::Flags(utf8::Decode(s, i, len));
  if (f & ut::kWhitespace) return 0;
  return (f & ut::kWord) ? 1 : 2;
}

class WhitespacePreTokenizer : public PreTokenizer {
 public:
  explicit WhitespacePreTokenizer(bool split_word_classes) : split_word_classes_(split_word_classes) {}

  void PreTokenize(std::string_view in, bool, WordList* out) const override {
    size_t i = 0, begin = 0;
    int current = 0;  // class of the open word; 0 = none
    while (i < in.size()) {
      size_t len;
      int cls = ClassAt(in, i, &len);
      if (!split_word_classes_ && cls == 2) cls = 1;
      if (cls != current) {
        if (current != 0) out->Add(in.substr(begin, i - begin));
        current = cls;
        begin = i;
      }
      i += len;
    }
    if (current != 0) out->Add(in.substr(begin));
  }

 private:
  bool split_word_classes_;
};

}  // namespace

std::unique_ptr<PreTokenizer> BuildWhitespacePreTokenizer(const json::Value&, const BuildContext&,
                                                          const std::string&) {
  return std::make_unique<WhitespacePreTokenizer>(true);
}

std::unique_ptr<PreTokenizer> BuildWhitespaceSplitPreTokenizer(const json::Value&, const BuildContext&,
                                                               const std::string&) {
  return std::make_unique<WhitespacePreTokenizer>(false);
}

}  // namespace tokenizer
}  // namespace crossrank

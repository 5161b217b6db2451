// AlignedText (components.h): the alignment bookkeeping of HF's NormalizedString::transform_range,
// for the offsets path only.
#include <algorithm>

#include "tokenizer/components.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {

void AlignedText::Assign(std::string_view original, uint32_t offset) {
  text.assign(original.data(), original.size());
  align.resize(original.size());
  for (size_t i = 0; i < original.size();) {
    const size_t len = utf8::SeqLen(static_cast<unsigned char>(original[i]));
    const ByteRange r{offset + static_cast<uint32_t>(i), offset + static_cast<uint32_t>(i + len)};
    std::fill(align.begin() + i, align.begin() + i + len, r);
    i += len;
  }
}

void AlignedText::AppendTransformed(const AlignedText& in, size_t begin, size_t end,
                                    const std::vector<std::pair<char32_t, int>>& dest) {
  const ByteRange start = in.align.empty() ? ByteRange{0, 0} : ByteRange{in.align[0].first, in.align[0].first};
  auto next_char = [&](size_t at) { return at + utf8::SeqLen(static_cast<unsigned char>(in.text[at])); };
  size_t src = begin;
  for (const auto& [c, change] : dest) {
    ByteRange range;
    if (change > 0) {
      range = src > 0 ? in.align[src - 1] : start;
    } else {
      range = src < end ? in.align[src] : (src > 0 ? in.align[src - 1] : start);
      for (int k = 0; k <= -change && src < end; ++k) src = next_char(src);
    }
    const size_t before = text.size();
    utf8::Append(&text, c);
    align.insert(align.end(), text.size() - before, range);
  }
}

void AlignedText::AppendFrom(const AlignedText& in, size_t begin, size_t end, std::string_view produced) {
  size_t inputs = 0;
  for (size_t i = begin; i < end; i += utf8::SeqLen(static_cast<unsigned char>(in.text[i]))) ++inputs;
  std::vector<std::pair<char32_t, int>> dest;
  for (size_t k = 0; k < produced.size();) {
    size_t len;
    const char32_t c = utf8::Decode(produced, k, &len);
    k += len;
    dest.emplace_back(c, dest.size() < inputs ? 0 : 1);
  }
  // The last replacing char removes the input chars left over.
  const size_t replacing = std::min(dest.size(), inputs);
  if (replacing > 0) dest[replacing - 1].second = -static_cast<int>(inputs - replacing);
  AppendTransformed(in, begin, end, dest);
}

void AlignedText::AppendSlice(const AlignedText& in, size_t begin, size_t end) {
  text.append(in.text, begin, end - begin);
  align.insert(align.end(), in.align.begin() + begin, in.align.begin() + end);
}

void Normalizer::NormalizeAligned(const AlignedText& in, AlignedText* out) const {
  std::string produced;
  for (size_t i = 0; i < in.text.size();) {
    const size_t len = utf8::SeqLen(static_cast<unsigned char>(in.text[i]));
    produced.clear();
    Normalize(std::string_view(in.text).substr(i, len), &produced);
    out->AppendFrom(in, i, i + len, produced);
    i += len;
  }
}

}  // namespace tokenizer
}  // namespace crossrank

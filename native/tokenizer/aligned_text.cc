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

void AlignedText::AppendFrom(const AlignedText& in, size_t begin, size_t end, std::string_view produced) {
  size_t src = begin;  // start of the input char that the next produced char replaces
  ByteRange last;
  if (begin == end) {
    // Pure insertion: HF takes the previous byte's alignment, (0, 0) at the very start.
    last = begin > 0 ? in.align[begin - 1] : (in.align.empty() ? ByteRange{0, 0} : ByteRange{in.align[0].first, in.align[0].first});
  }
  for (size_t k = 0; k < produced.size();) {
    const size_t len = utf8::SeqLen(static_cast<unsigned char>(produced[k]));
    if (src < end) {
      last = in.align[src];
      src += utf8::SeqLen(static_cast<unsigned char>(in.text[src]));
    }
    text.append(produced.data() + k, len);
    align.insert(align.end(), len, last);
    k += len;
  }
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

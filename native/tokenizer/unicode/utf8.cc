#include "tokenizer/unicode/utf8.h"

#include <cstring>

namespace crossrank {
namespace tokenizer {
namespace utf8 {
namespace {

// Length of the well-formed sequence at s[i], or 0 with *bad set to the length of the maximal
// ill-formed subpart (>= 1) to replace with one U+FFFD.
size_t WellFormedLen(std::string_view s, size_t i, size_t* bad) {
  const size_t n = s.size();
  const unsigned char b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    *bad = 1;
    return 0;
  }
  size_t k = 1;
  for (; k < need; ++k) {
    if (i + k >= n) break;
    const unsigned char b = static_cast<unsigned char>(s[i + k]);
    const unsigned char l = (k == 1) ? lo : 0x80;
    const unsigned char h = (k == 1) ? hi : 0xBF;
    if (b < l || b > h) break;
  }
  if (k == need) return need;
  *bad = k;
  return 0;
}

}  // namespace

bool IsValid(std::string_view s) { return FirstInvalid(s) == s.size(); }

std::vector<uint32_t> Utf16Indices(std::string_view s) {
  std::vector<uint32_t> at(s.size() + 1, 0);
  uint32_t units = 0;
  for (size_t i = 0; i < s.size();) {
    const size_t len = SeqLen(static_cast<unsigned char>(s[i]));
    for (size_t k = 0; k < len && i + k < s.size(); ++k) at[i + k] = units;
    units += len == 4 ? 2 : 1;
    i += len;
  }
  at[s.size()] = units;
  return at;
}

size_t FirstInvalid(std::string_view s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    size_t bad = 0;
    const size_t len = WellFormedLen(s, i, &bad);
    if (len == 0) return i;
    i += len;
  }
  return n;
}

std::string Sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    size_t bad = 0;
    const size_t len = WellFormedLen(s, i, &bad);
    if (len) {
      out.append(s.data() + i, len);
      i += len;
    } else {
      out.append("\xEF\xBF\xBD");
      i += bad;
    }
  }
  return out;
}

}  // namespace utf8
}  // namespace tokenizer
}  // namespace crossrank

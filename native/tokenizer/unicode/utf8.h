// UTF-8 helpers. Everything after Tokenizer::Encode's entry check works on valid UTF-8 only.
#ifndef CROSSRANK_TOKENIZER_UNICODE_UTF8_H_
#define CROSSRANK_TOKENIZER_UNICODE_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crossrank {
namespace tokenizer {
namespace utf8 {

// Length of the sequence that starts with lead byte `b` (valid UTF-8 assumed).
inline size_t SeqLen(unsigned char b) {
  if (b < 0x80) return 1;
  if (b < 0xE0) return 2;
  if (b < 0xF0) return 3;
  return 4;
}

// Decodes the code point at s[i] (valid UTF-8 assumed, i < s.size()); sets *len to its byte length.
inline char32_t Decode(std::string_view s, size_t i, size_t* len) {
  const unsigned char b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *len = 1;
    return b0;
  }
  if (b0 < 0xE0) {
    *len = 2;
    return (static_cast<char32_t>(b0 & 0x1F) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F);
  }
  if (b0 < 0xF0) {
    *len = 3;
    return (static_cast<char32_t>(b0 & 0x0F) << 12) |
           (static_cast<char32_t>(static_cast<unsigned char>(s[i + 1]) & 0x3F) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3F);
  }
  *len = 4;
  return (static_cast<char32_t>(b0 & 0x07) << 18) |
         (static_cast<char32_t>(static_cast<unsigned char>(s[i + 1]) & 0x3F) << 12) |
         (static_cast<char32_t>(static_cast<unsigned char>(s[i + 2]) & 0x3F) << 6) |
         (static_cast<unsigned char>(s[i + 3]) & 0x3F);
}

// Decodes the code point that ends just before s[end] (valid UTF-8 assumed, end > 0).
inline char32_t DecodeBefore(std::string_view s, size_t end, size_t* len) {
  size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && end - start < 4) --start;
  return Decode(s, start, len);
}

inline void Append(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Number of code points in valid UTF-8.
inline size_t CountChars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// For every byte offset of valid UTF-8 `s` (and s.size()), the JavaScript string index (UTF-16
// units) it corresponds to: what byte offsets become for `text.slice(start, end)`. A 4-byte sequence
// is two units; the bytes inside a sequence map to its start.
std::vector<uint32_t> Utf16Indices(std::string_view s);

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or values above U+10FFFF).
bool IsValid(std::string_view s);

// Byte offset of the first ill-formed sequence, or s.size() when `s` is valid.
size_t FirstInvalid(std::string_view s);

// Replaces every ill-formed subsequence with U+FFFD, like Rust's String::from_utf8_lossy
// (one U+FFFD per maximal subpart, the W3C/Unicode recommended practice).
std::string Sanitize(std::string_view s);

}  // namespace utf8
}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_UNICODE_UTF8_H_

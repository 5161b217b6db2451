// Precompiled normalizer (HF normalizers/precompiled.rs + the spm_precompiled crate): a
// SentencePiece charsmap, i.e. a Darts-clone double-array trie over UTF-8 keys whose values are
// offsets of NUL-terminated replacement strings.
//
// HF applies it per extended grapheme cluster: a cluster shorter than 6 bytes whose bytes start
// with a key is replaced WHOLE by the value of the SHORTEST such key ("Ａ\u0301" -> "A": the
// accent is lost; SentencePiece itself would take the longest match). Longer clusters, and
// clusters with no matching prefix, are transformed character by character.
//
// Charsmap layout (base64 in tokenizer.json): u32le trie_size_in_bytes | trie_size/4 u32le units
// | normalized strings blob.
#include <cstring>
#include <string>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/unicode/grapheme.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

// Decodes standard base64 with canonical padding (what Rust's base64 STANDARD engine accepts);
// returns false on any invalid input.
bool DecodeBase64(std::string_view in, std::string* out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return false;
  out->clear();
  out->reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      if (in[i + k] == '=') {
        if (!last || k < 2) return false;
        v[k] = 0;
        ++pad;
      } else {
        if (pad > 0) return false;  // data after padding
        v[k] = val(in[i + k]);
        if (v[k] < 0) return false;
      }
    }
    const uint32_t triple = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out->push_back(static_cast<char>((triple >> 16) & 0xFF));
    if (pad < 2) out->push_back(static_cast<char>((triple >> 8) & 0xFF));
    if (pad < 1) out->push_back(static_cast<char>(triple & 0xFF));
    // Non-zero trailing bits are rejected, as by the base64 crate.
    if (pad == 1 && (v[2] & 0x3) != 0) return false;
    if (pad == 2 && (v[1] & 0xF) != 0) return false;
  }
  return true;
}

class PrecompiledNormalizer : public Normalizer {
 public:
  PrecompiledNormalizer(std::vector<uint32_t> units, std::string normalized)
      : units_(std::move(units)), normalized_(std::move(normalized)) {}

  void Normalize(std::string_view in, std::string* out) const override {
    out->reserve(out->size() + in.size());
    Walk(in, [&](size_t begin, size_t end, std::string_view rep) {
      if (rep.data()) {
        out->append(rep.data(), rep.size());
      } else {
        out->append(in.data() + begin, end - begin);
      }
    });
  }

  // HF builds one (char, change) list for the whole text with its `replace` helper, whose
  // removals are added to the change of whatever char came last, even an inserted one or one of an
  // earlier unit, and are lost at the very start (the following chars then shift by one).
  void NormalizeAligned(const AlignedText& in, AlignedText* out) const override {
    std::vector<std::pair<char32_t, int>> dest;
    Walk(in.text, [&](size_t begin, size_t end, std::string_view rep) {
      int old_count = 0;
      for (size_t i = begin; i < end;) {
        size_t len;
        const char32_t c = utf8::Decode(in.text, i, &len);
        if (!rep.data()) dest.emplace_back(c, 0);
        ++old_count;
        i += len;
      }
      if (!rep.data()) return;
      int new_count = 0;
      for (size_t i = 0; i < rep.size(); ++new_count) {
        size_t len;
        dest.emplace_back(utf8::Decode(rep, i, &len), 0);
        i += len;
      }
      const int diff = new_count - old_count;
      if (diff > 0) {
        for (int k = 0; k < diff; ++k) dest[dest.size() - 1 - k].second = 1;
      } else if (diff < 0 && !dest.empty()) {
        dest.back().second += diff;
      }
    });
    out->AppendTransformed(in, 0, in.text.size(), dest);
  }

 private:
  // Calls emit(begin, end, replacement) for each unit of `in` in order: a whole grapheme or one
  // char; replacement.data() is null for a unit kept as it is.
  template <typename Emit>
  void Walk(std::string_view in, Emit&& emit) const {
    size_t pos = 0;
    const size_t n = in.size();
    while (pos < n) {
      const size_t end = grapheme::NextBoundary(in, pos);
      const std::string_view g = in.substr(pos, end - pos);
      std::string_view rep;
      if (g.size() < 6 && Transform(g, &rep)) {
        emit(pos, end, rep);
      } else {
        size_t i = 0;
        while (i < g.size()) {
          const size_t len = utf8::SeqLen(static_cast<unsigned char>(g[i]));
          rep = std::string_view();
          Transform(g.substr(i, len), &rep);
          emit(pos + i, pos + i + len, rep);
          i += len;
        }
      }
      pos = end;
    }
  }

  // Darts-clone unit fields.
  static bool HasLeaf(uint32_t u) { return (u >> 8) & 1; }
  static uint32_t Value(uint32_t u) { return u & 0x7FFFFFFFu; }
  static uint32_t Label(uint32_t u) { return u & 0x800000FFu; }
  static uint32_t Offset(uint32_t u) { return (u >> 10) << ((u & 0x200u) >> 6); }

  // The replacement for the shortest key that is a prefix of `key`.
  bool Transform(std::string_view key, std::string_view* rep) const {
    if (units_.empty()) return false;
    size_t node = Offset(units_[0]);
    for (unsigned char c : key) {
      if (c == 0) return false;
      node ^= c;
      if (node >= units_.size()) return false;
      const uint32_t u = units_[node];
      if (Label(u) != c) return false;
      node ^= Offset(u);
      if (HasLeaf(u)) {
        if (node >= units_.size()) return false;
        const size_t index = Value(units_[node]);
        if (index >= normalized_.size()) return false;
        const size_t stop = normalized_.find('\0', index);
        *rep = std::string_view(normalized_).substr(index, (stop == std::string::npos ? normalized_.size() : stop) - index);
        return true;
      }
    }
    return false;
  }

  std::vector<uint32_t> units_;
  std::string normalized_;
};

}  // namespace

std::unique_ptr<Normalizer> BuildPrecompiledNormalizer(const json::Value& v, const BuildContext& ctx,
                                                       const std::string& path) {
  const json::Value map = v.Find("precompiled_charsmap");
  if (!map.exists()) ctx.Fail(v, path, "missing required field \"precompiled_charsmap\"");
  if (!map.is_string()) {
    ctx.Fail(map, path + ".precompiled_charsmap",
             std::string("expected a base64 string, got ") + json::TypeName(map.type()));
  }
  std::string bytes;
  if (!DecodeBase64(map.string_value(), &bytes)) {
    ctx.Fail(map, path + ".precompiled_charsmap", "invalid base64");
  }
  if (bytes.size() < 4) ctx.Fail(map, path + ".precompiled_charsmap", "charsmap too short (no trie size)");
  auto u32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(bytes[at])) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 1])) << 8) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 2])) << 16) |
           (static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + 3])) << 24);
  };
  const uint32_t trie_bytes = u32(0);
  const size_t num_units = trie_bytes / 4;
  if (num_units > (bytes.size() - 4) / 4) {
    ctx.Fail(map, path + ".precompiled_charsmap",
             "charsmap truncated: the trie needs " + std::to_string(trie_bytes) + " bytes, the map holds " +
                 std::to_string(bytes.size() - 4));
  }
  std::vector<uint32_t> units(num_units);
  for (size_t k = 0; k < num_units; ++k) units[k] = u32(4 + 4 * k);
  std::string normalized = bytes.substr(4 + 4 * num_units);
  if (!utf8::IsValid(normalized)) {
    ctx.Fail(map, path + ".precompiled_charsmap", "the charsmap's normalized strings are not valid UTF-8");
  }
  return std::make_unique<PrecompiledNormalizer>(std::move(units), std::move(normalized));
}

}  // namespace tokenizer
}  // namespace crossrank

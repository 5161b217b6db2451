// An immutable byte trie: exact lookup, incremental walks (WordPiece longest match, Unigram
// common-prefix search) and leftmost-longest pattern matching (added tokens).
#ifndef CROSSRANK_TOKENIZER_TRIE_H_
#define CROSSRANK_TOKENIZER_TRIE_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace crossrank {
namespace tokenizer {

class Trie {
 public:
  static constexpr uint32_t kRoot = 0;
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  // Builds from (key, value) pairs; values must be >= 0. For duplicate keys the last one wins.
  void Build(std::vector<std::pair<std::string_view, int32_t>> entries);

  // Child of `node` along byte `b`, or kNone.
  uint32_t Child(uint32_t node, unsigned char b) const {
    if (node == kRoot) return root_children_[b];
    const Node& n = nodes_[node];
    const uint32_t first = n.first_child;
    const uint32_t count = n.num_children;
    if (count <= 8) {
      for (uint32_t i = 0; i < count; ++i) {
        if (nodes_[first + i].label == b) return first + i;
      }
      return kNone;
    }
    uint32_t lo = first, hi = first + count;
    while (lo < hi) {
      const uint32_t mid = (lo + hi) / 2;
      if (nodes_[mid].label < b) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return (lo < first + count && nodes_[lo].label == b) ? lo : kNone;
  }

  // Value stored at `node`, or -1.
  int32_t Value(uint32_t node) const { return nodes_[node].value; }

  // Node reached from `node` by walking all of `s`, or kNone.
  uint32_t Walk(uint32_t node, std::string_view s) const {
    for (unsigned char c : s) {
      if (node == kNone) return kNone;
      node = Child(node, c);
    }
    return node;
  }

  // Exact lookup: value or -1.
  int32_t Find(std::string_view key) const {
    if (nodes_.empty()) return -1;
    const uint32_t n = Walk(kRoot, key);
    return n == kNone ? -1 : nodes_[n].value;
  }

  bool empty() const { return num_keys_ == 0; }
  size_t num_keys() const { return num_keys_; }

  // Leftmost-longest match in `text` starting the search at byte `from`. Returns true and sets
  // [*start, *end) and *value for the match; false when there is none.
  bool FindLeftmostLongest(std::string_view text, size_t from, size_t* start, size_t* end, int32_t* value) const;

 private:
  struct Node {
    uint32_t first_child = 0;
    uint16_t num_children = 0;
    uint8_t label = 0;
    int32_t value = -1;
  };
  std::vector<Node> nodes_;
  uint32_t root_children_[256];
  bool first_byte_[256] = {};
  size_t num_keys_ = 0;
};

}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_TRIE_H_

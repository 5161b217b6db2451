#include "tokenizer/trie.h"

#include <algorithm>
#include <cstring>

namespace crossrank {
namespace tokenizer {

void Trie::Build(std::vector<std::pair<std::string_view, int32_t>> entries) {
  // Sort by key (bytewise, unsigned); stable so that the last duplicate stays last.
  std::stable_sort(entries.begin(), entries.end(), [](const auto& x, const auto& y) {
    return x.first < y.first;  // std::string_view compares with char_traits<char>::compare (memcmp order)
  });
  nodes_.clear();
  nodes_.reserve(entries.size() * 3 + 1);
  nodes_.emplace_back();  // root
  std::fill(std::begin(root_children_), std::end(root_children_), kNone);
  std::fill(std::begin(first_byte_), std::end(first_byte_), false);
  num_keys_ = 0;

  struct Item {
    uint32_t node;
    size_t lo, hi, depth;
  };
  // Depth-first (a stack, not a queue): each child's range is processed right after its parent
  // scanned it, which keeps the key bytes in cache (3x faster on a 250k vocabulary). Children
  // are still allocated as one contiguous block per parent.
  std::vector<Item> stack;
  stack.push_back({kRoot, 0, entries.size(), 0});
  while (!stack.empty()) {
    const Item it = stack.back();
    stack.pop_back();
    size_t lo = it.lo;
    // Keys that end exactly here come first in sorted order.
    while (lo < it.hi && entries[lo].first.size() == it.depth) {
      if (nodes_[it.node].value < 0) ++num_keys_;
      nodes_[it.node].value = entries[lo].second;  // last duplicate wins
      ++lo;
    }
    if (lo == it.hi) continue;
    // Group the rest by the byte at `depth`; children are allocated contiguously.
    const uint32_t first = static_cast<uint32_t>(nodes_.size());
    size_t i = lo;
    uint32_t count = 0;
    while (i < it.hi) {
      const unsigned char b = static_cast<unsigned char>(entries[i].first[it.depth]);
      size_t j = i + 1;
      while (j < it.hi && static_cast<unsigned char>(entries[j].first[it.depth]) == b) ++j;
      Node child;
      child.label = b;
      nodes_.push_back(child);
      stack.push_back({first + count, i, j, it.depth + 1});
      ++count;
      i = j;
    }
    nodes_[it.node].first_child = first;
    nodes_[it.node].num_children = static_cast<uint16_t>(count);
    if (it.node == kRoot) {
      for (uint32_t k = 0; k < count; ++k) {
        root_children_[nodes_[first + k].label] = first + k;
        first_byte_[nodes_[first + k].label] = true;
      }
    }
  }
  nodes_.shrink_to_fit();
}

bool Trie::FindLeftmostLongest(std::string_view text, size_t from, size_t* start, size_t* end,
                               int32_t* value) const {
  if (num_keys_ == 0) return false;
  const size_t n = text.size();
  for (size_t s = from; s < n; ++s) {
    if (!first_byte_[static_cast<unsigned char>(text[s])]) continue;
    uint32_t node = kRoot;
    size_t best_end = 0;
    int32_t best_value = -1;
    for (size_t i = s; i < n; ++i) {
      node = Child(node, static_cast<unsigned char>(text[i]));
      if (node == kNone) break;
      if (nodes_[node].value >= 0) {
        best_end = i + 1;
        best_value = nodes_[node].value;
      }
    }
    if (best_value >= 0) {
      *start = s;
      *end = best_end;
      *value = best_value;
      return true;
    }
  }
  return false;
}

}  // namespace tokenizer
}  // namespace crossrank

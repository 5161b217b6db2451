// BPE model (HF models/bpe/model.rs + word.rs): each character of a word (with the
// continuing_subword_prefix / end_of_word_suffix where they apply) becomes a symbol, unknown
// ones go through byte_fallback (<0xNN> tokens) or unk_token (fused with fuse_unk), then merges
// are applied lowest rank first, leftmost first, with HF's priority queue (stale entries are
// recognised by their resulting id, exactly as HF does).
//
// Results are cached per thread (no locks on the encode path): a thread keeps the caches of its
// last few models, each bounded and cleared when full.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/components.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {
namespace {

inline uint64_t HashBytes(std::string_view s) {
  // FNV-1a over 8-byte words, then a final mix; good enough for vocab strings.
  uint64_t h = 0xcbf29ce484222325ull ^ s.size();
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ull;
    h ^= h >> 29;
  }
  uint64_t w = 0;
  std::memcpy(&w, s.data() + i, s.size() - i);
  h = (h ^ w) * 0x100000001b3ull;
  h ^= h >> 32;
  h *= 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 29);
}

inline uint64_t HashPair(uint64_t k) {
  k *= 0x9e3779b97f4a7c15ull;
  return k ^ (k >> 31);
}

size_t TableSize(size_t n) {
  size_t cap = 16;
  while (cap < n * 2) cap <<= 1;
  return cap;
}

// token -> id, open addressing over views into an arena the model owns.
class VocabMap {
 public:
  void Init(size_t n) { slots_.assign(TableSize(n), Slot{}); }
  // Inserts or overwrites (a later duplicate key wins, like a serde HashMap).
  void Put(std::string_view key, int32_t id) {
    const size_t mask = slots_.size() - 1;
    for (size_t i = HashBytes(key) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id < 0) {
        s = Slot{key.data(), static_cast<uint32_t>(key.size()), id};
        ++size_;
        return;
      }
      if (s.len == key.size() && std::memcmp(s.data, key.data(), key.size()) == 0) {
        s.id = id;
        return;
      }
    }
  }
  int32_t Get(std::string_view key) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = HashBytes(key) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.id < 0) return -1;
      if (s.len == key.size() && std::memcmp(s.data, key.data(), key.size()) == 0) return s.id;
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    const char* data = nullptr;
    uint32_t len = 0;
    int32_t id = -1;
  };
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

// (left id, right id) -> (rank, merged id).
class MergeMap {
 public:
  void Init(size_t n) { slots_.assign(TableSize(n), Slot{}); }
  void Put(int32_t a, int32_t b, uint32_t rank, int32_t id) {
    const uint64_t key = Key(a, b);
    const size_t mask = slots_.size() - 1;
    for (size_t i = HashPair(key) & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id < 0 || s.key == key) {
        s = Slot{key, rank, id};  // a repeated pair keeps its last rank, as in HF's HashMap
        return;
      }
    }
  }
  bool Get(int32_t a, int32_t b, uint32_t* rank, int32_t* id) const {
    const uint64_t key = Key(a, b);
    const size_t mask = slots_.size() - 1;
    for (size_t i = HashPair(key) & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.id < 0) return false;
      if (s.key == key) {
        *rank = s.rank;
        *id = s.id;
        return true;
      }
    }
  }

 private:
  static uint64_t Key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  struct Slot {
    uint64_t key = 0;
    uint32_t rank = 0;
    int32_t id = -1;
  };
  std::vector<Slot> slots_;
};

// A bounded word -> ids cache, used by one thread only.
class WordCache {
 public:
  static constexpr size_t kMaxEntries = 10000;  // HF's DEFAULT_CACHE_CAPACITY
  static constexpr size_t kMaxWordBytes = 256;  // HF's MAX_LENGTH: longer words are not cached

  WordCache() : slots_(16384) {}

  bool Get(std::string_view word, uint64_t hash, std::vector<int32_t>* ids) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.key_len == kEmpty) return false;
      if (s.hash == hash && s.key_len == word.size() &&
          std::memcmp(keys_.data() + s.key_off, word.data(), word.size()) == 0) {
        ids->insert(ids->end(), values_.begin() + s.val_off, values_.begin() + s.val_off + s.val_len);
        return true;
      }
    }
  }

  void Put(std::string_view word, uint64_t hash, const int32_t* ids, size_t n) {
    if (entries_ >= kMaxEntries) Clear();
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.key_len == kEmpty) {
        s = Slot{hash, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(word.size()),
                 static_cast<uint32_t>(values_.size()), static_cast<uint32_t>(n)};
        keys_.append(word.data(), word.size());
        values_.insert(values_.end(), ids, ids + n);
        ++entries_;
        return;
      }
    }
  }

 private:
  static constexpr uint32_t kEmpty = 0xFFFFFFFFu;
  struct Slot {
    uint64_t hash = 0;
    uint32_t key_off = 0, key_len = kEmpty, val_off = 0, val_len = 0;
  };
  void Clear() {
    std::fill(slots_.begin(), slots_.end(), Slot{});
    keys_.clear();
    values_.clear();
    entries_ = 0;
  }
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<int32_t> values_;
  size_t entries_ = 0;
};

std::atomic<uint64_t> g_next_model_serial{1};

// The calling thread's cache for the model with this serial (serials are never reused, so a
// destroyed model's cache can only be evicted, never read by another model).
WordCache& ThreadCache(uint64_t serial) {
  struct Entry {
    uint64_t serial;
    std::unique_ptr<WordCache> cache;
  };
  thread_local std::vector<Entry> caches;  // most recently used first; at most kKeep
  constexpr size_t kKeep = 4;
  for (size_t i = 0; i < caches.size(); ++i) {
    if (caches[i].serial == serial) {
      if (i) std::rotate(caches.begin(), caches.begin() + i, caches.begin() + i + 1);
      return *caches[0].cache;
    }
  }
  if (caches.size() == kKeep) caches.pop_back();
  caches.insert(caches.begin(), Entry{serial, std::make_unique<WordCache>()});
  return *caches[0].cache;
}

struct Symbol {
  int32_t id;
  int32_t prev, next;
  uint32_t len;  // bytes of the word it covers; 0 = merged into its left neighbour
};

struct QueuedMerge {
  uint32_t rank;
  uint32_t pos;
  int32_t new_id;
};
// std heap functions keep the "largest" first: make that the lowest (rank, pos).
inline bool HeapLess(const QueuedMerge& x, const QueuedMerge& y) {
  return x.rank != y.rank ? x.rank > y.rank : x.pos > y.pos;
}

struct BpeConfig {
  std::string unk_token;
  bool has_unk = false;
  std::string prefix;  // continuing_subword_prefix
  std::string suffix;  // end_of_word_suffix
  bool fuse_unk = false;
  bool byte_fallback = false;
  bool ignore_merges = false;
};

class BpeModel : public Model {
 public:
  BpeModel(std::string arena, std::vector<std::pair<uint32_t, uint32_t>> spans, std::vector<int32_t> ids,
           BpeConfig config)
      : arena_(std::move(arena)), config_(std::move(config)), serial_(g_next_model_serial.fetch_add(1)) {
    vocab_.Init(spans.size());
    for (size_t k = 0; k < spans.size(); ++k) vocab_.Put(View(spans[k]), ids[k]);
    for (size_t k = 0; k < spans.size(); ++k) {
      if (vocab_.Get(View(spans[k])) == ids[k]) by_id_.emplace_back(ids[k], spans[k]);
    }
    std::sort(by_id_.begin(), by_id_.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    unk_id_ = config_.has_unk ? vocab_.Get(config_.unk_token) : -1;
    char name[8];
    for (int b = 0; b < 256; ++b) {
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      byte_ids_[b] = vocab_.Get(name);
    }
    plain_chars_ = config_.prefix.empty() && config_.suffix.empty();
  }

  MergeMap& merges() { return merges_; }
  const VocabMap& vocab() const { return vocab_; }

  void Tokenize(std::string_view word, std::vector<int32_t>* ids) const override {
    if (word.empty()) return;
    if (config_.ignore_merges) {
      const int32_t id = vocab_.Get(word);
      if (id >= 0) {
        ids->push_back(id);
        return;
      }
    }
    const bool cacheable = word.size() < WordCache::kMaxWordBytes;
    uint64_t hash = 0;
    WordCache* cache = nullptr;
    if (cacheable) {
      hash = HashBytes(word);
      cache = &ThreadCache(serial_);
      if (cache->Get(word, hash, ids)) return;
    }
    const size_t mark = ids->size();
    MergeWord(word, ids, nullptr);
    if (cache) cache->Put(word, hash, ids->data() + mark, ids->size() - mark);
  }

  void TokenizeWithSpans(std::string_view word, std::vector<int32_t>* ids,
                         std::vector<TokenSpan>* spans) const override {
    if (word.empty()) return;
    if (config_.ignore_merges) {
      const int32_t id = vocab_.Get(word);
      if (id >= 0) {
        ids->push_back(id);
        spans->push_back({0, static_cast<uint32_t>(word.size()), false});
        return;
      }
    }
    MergeWord(word, ids, spans);
  }

  int32_t TokenToId(std::string_view token) const override { return vocab_.Get(token); }

  std::string_view IdToToken(int32_t id) const override {
    auto it = std::lower_bound(by_id_.begin(), by_id_.end(), id,
                               [](const auto& x, int32_t v) { return x.first < v; });
    if (it == by_id_.end() || it->first != id) return {};
    return View(it->second);
  }

  size_t VocabSize() const override { return vocab_.size(); }

 private:
  std::string_view View(std::pair<uint32_t, uint32_t> span) const {
    return std::string_view(arena_.data() + span.first, span.second);
  }

  // With `spans`, each symbol's bytes in `w` too: HF's Word offsets, where a byte-fallback symbol
  // counts one byte and a prefixed/suffixed symbol its char's length.
  void MergeWord(std::string_view w, std::vector<int32_t>* ids, std::vector<TokenSpan>* spans) const {
    thread_local std::vector<Symbol> symbols;
    thread_local std::vector<QueuedMerge> queue;
    thread_local std::string piece;
    symbols.clear();
    int32_t unk_pending = -1;  // id of a pending unk symbol
    uint32_t unk_len = 0;
    auto add = [&](int32_t id, uint32_t len) {
      const int32_t n = static_cast<int32_t>(symbols.size());
      symbols.push_back(Symbol{id, n - 1, -1, len});
      if (n > 0) symbols[n - 1].next = n;
    };
    for (size_t i = 0; i < w.size();) {
      const size_t len = utf8::SeqLen(static_cast<unsigned char>(w[i]));
      const bool is_first = i == 0;
      const bool is_last = i + len >= w.size();
      std::string_view s = w.substr(i, len);
      i += len;
      if (!plain_chars_ && ((!is_first && !config_.prefix.empty()) || (is_last && !config_.suffix.empty()))) {
        piece.clear();
        if (!is_first) piece += config_.prefix;
        piece.append(s.data(), s.size());
        if (is_last) piece += config_.suffix;
        s = piece;
      }
      const int32_t id = vocab_.Get(s);
      if (id >= 0) {
        if (unk_pending >= 0) {
          add(unk_pending, unk_len);
          unk_pending = -1;
        }
        add(id, static_cast<uint32_t>(len));
        continue;
      }
      if (config_.byte_fallback) {
        // HF looks up <0xNN> for every byte of the piece, prefix and suffix included.
        bool all = true;
        for (unsigned char b : s) all = all && byte_ids_[b] >= 0;
        if (all) {
          for (unsigned char b : s) add(byte_ids_[b], 1);
          continue;
        }
      }
      if (config_.has_unk) {
        if (unk_id_ < 0) {
          throw TokenizerError("BPE error: Unk token `" + config_.unk_token + "` not found in the vocabulary");
        }
        if (unk_pending >= 0 && config_.fuse_unk) {
          unk_len += static_cast<uint32_t>(len);
        } else {
          if (unk_pending >= 0) add(unk_pending, unk_len);
          unk_pending = unk_id_;
          unk_len = static_cast<uint32_t>(len);
        }
      }
    }
    if (unk_pending >= 0) add(unk_pending, unk_len);

    // merge_all
    queue.clear();
    for (size_t k = 0; k + 1 < symbols.size(); ++k) {
      uint32_t rank;
      int32_t new_id;
      if (merges_.Get(symbols[k].id, symbols[k + 1].id, &rank, &new_id)) {
        queue.push_back(QueuedMerge{rank, static_cast<uint32_t>(k), new_id});
      }
    }
    std::make_heap(queue.begin(), queue.end(), HeapLess);
    while (!queue.empty()) {
      std::pop_heap(queue.begin(), queue.end(), HeapLess);
      const QueuedMerge top = queue.back();
      queue.pop_back();
      Symbol& cur = symbols[top.pos];
      if (cur.len == 0 || cur.next == -1) continue;
      const int32_t next_pos = cur.next;
      const Symbol right = symbols[next_pos];
      uint32_t rank;
      int32_t new_id;
      if (!merges_.Get(cur.id, right.id, &rank, &new_id) || new_id != top.new_id) continue;  // stale
      cur.id = top.new_id;
      cur.len += right.len;
      cur.next = right.next;
      symbols[next_pos].len = 0;
      if (right.next >= 0) symbols[right.next].prev = static_cast<int32_t>(top.pos);
      if (cur.prev >= 0 && merges_.Get(symbols[cur.prev].id, cur.id, &rank, &new_id)) {
        queue.push_back(QueuedMerge{rank, static_cast<uint32_t>(cur.prev), new_id});
        std::push_heap(queue.begin(), queue.end(), HeapLess);
      }
      if (cur.next >= 0 && merges_.Get(cur.id, symbols[cur.next].id, &rank, &new_id)) {
        queue.push_back(QueuedMerge{rank, top.pos, new_id});
        std::push_heap(queue.begin(), queue.end(), HeapLess);
      }
    }
    uint32_t pos = 0;
    for (const Symbol& s : symbols) {
      if (!s.len) continue;
      ids->push_back(s.id);
      if (spans) spans->push_back({pos, pos + s.len, false});
      pos += s.len;
    }
  }

  std::string arena_;
  std::vector<std::pair<int32_t, std::pair<uint32_t, uint32_t>>> by_id_;
  VocabMap vocab_;
  MergeMap merges_;
  BpeConfig config_;
  int32_t unk_id_ = -1;
  int32_t byte_ids_[256];
  bool plain_chars_ = true;
  uint64_t serial_;
};

std::string OptionalString(const json::Value& v, std::string_view key, bool* present, const BuildContext& ctx,
                           const std::string& path) {
  const json::Value f = v.Find(key);
  *present = f.exists() && !f.is_null();
  return ctx.GetString(v, key, "", path);
}

}  // namespace

std::unique_ptr<Model> BuildBpeModel(const json::Value& v, const BuildContext& ctx, const std::string& path) {
  const json::Value vocab = v.Find("vocab");
  if (!vocab.is_object()) {
    ctx.Fail(vocab.exists() ? vocab : v, path + ".vocab", "expected an object mapping tokens to ids");
  }
  const json::Value merges = v.Find("merges");
  if (!merges.is_array()) {
    ctx.Fail(merges.exists() ? merges : v, path + ".merges",
             "expected an array of merges (\"a b\" strings or [\"a\", \"b\"] pairs)");
  }
  BpeConfig config;
  config.unk_token = OptionalString(v, "unk_token", &config.has_unk, ctx, path);
  bool has;
  config.prefix = OptionalString(v, "continuing_subword_prefix", &has, ctx, path);
  config.suffix = OptionalString(v, "end_of_word_suffix", &has, ctx, path);
  config.fuse_unk = ctx.GetBool(v, "fuse_unk", false, path);
  config.byte_fallback = ctx.GetBool(v, "byte_fallback", false, path);
  config.ignore_merges = ctx.GetBool(v, "ignore_merges", false, path);
  const json::Value dropout = v.Find("dropout");
  if (dropout.exists() && !dropout.is_null()) {
    double p = 0;
    if (!dropout.GetDouble(&p)) ctx.Fail(dropout, path + ".dropout", "expected a number or null");
    if (p < 0 || p > 1) ctx.Fail(dropout, path + ".dropout", "dropout must be between 0 and 1");
    if (p != 0) {
      ctx.Fail(dropout, path + ".dropout",
               "BPE dropout is random and is not supported (only null or 0 gives reproducible ids)");
    }
  }

  BuildContext::VocabArena keys = ctx.ReadVocabObject(vocab, path);
  auto model = std::make_unique<BpeModel>(std::move(keys.arena), std::move(keys.spans), std::move(keys.ids), config);

  MergeMap& map = model->merges();
  map.Init(merges.size());
  const size_t prefix_len = config.prefix.size();
  std::string merged;
  uint32_t rank = 0;
  for (size_t k = 0; k < merges.size(); ++k) {
    const json::Value m = merges[k];
    const std::string p = path + ".merges[" + std::to_string(k) + "]";
    std::string_view a, b;
    if (m.is_string()) {
      const std::string_view line = m.string_value();
      if (line.substr(0, 8) == "#version") continue;  // HF skips these lines (no rank)
      const size_t sp = line.find(' ');
      if (sp == std::string_view::npos || line.find(' ', sp + 1) != std::string_view::npos) {
        ctx.Fail(m, p, "a merge must be two tokens separated by one space, got \"" + std::string(line) + "\"");
      }
      a = line.substr(0, sp);
      b = line.substr(sp + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      a = m[0].string_value();
      b = m[1].string_value();
    } else {
      ctx.Fail(m, p, std::string("expected a \"a b\" string or an [\"a\", \"b\"] pair, got ") + json::TypeName(m.type()));
    }
    const int32_t a_id = model->vocab().Get(a);
    const int32_t b_id = model->vocab().Get(b);
    if (a_id < 0) ctx.Fail(m, p, "merge token \"" + std::string(a) + "\" is not in the vocabulary");
    if (b_id < 0) ctx.Fail(m, p, "merge token \"" + std::string(b) + "\" is not in the vocabulary");
    if (b.size() < prefix_len) {
      ctx.Fail(m, p, "merge token \"" + std::string(b) + "\" is shorter than the continuing_subword_prefix");
    }
    merged.assign(a.data(), a.size());
    merged.append(b.data() + prefix_len, b.size() - prefix_len);
    const int32_t new_id = model->vocab().Get(merged);
    if (new_id < 0) ctx.Fail(m, p, "merged token \"" + merged + "\" is not in the vocabulary");
    map.Put(a_id, b_id, rank++, new_id);
  }
  return model;
}

}  // namespace tokenizer
}  // namespace crossrank

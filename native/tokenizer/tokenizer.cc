// Tokenizer: loads tokenizer.json and orchestrates the stages (HF tokenizer/mod.rs).
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

#include "tokenizer/added_vocabulary.h"
#include "tokenizer/components.h"
#include "tokenizer/json.h"
#include "tokenizer/truncation.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank {
namespace tokenizer {

namespace {

constexpr size_t kNoCap = std::numeric_limits<size_t>::max();

std::string ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw TokenizerError(path + ": cannot open tokenizer file: " + std::strerror(errno));
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) throw TokenizerError(path + ": error while reading the tokenizer file");
  return data;
}

TruncationStrategy ParseStrategy(const json::Value& v, const BuildContext& ctx, const std::string& path) {
  const std::string s = ctx.GetString(v, "strategy", "LongestFirst", path);
  if (s == "LongestFirst") return TruncationStrategy::LongestFirst;
  if (s == "OnlyFirst") return TruncationStrategy::OnlyFirst;
  if (s == "OnlySecond") return TruncationStrategy::OnlySecond;
  ctx.Fail(v.Find("strategy"), path + ".strategy",
           "unknown truncation strategy \"" + s + "\" (expected LongestFirst, OnlyFirst or OnlySecond)");
}

std::optional<TruncationParams> ParseTruncation(const json::Value& v, const BuildContext& ctx) {
  if (!v.exists() || v.is_null()) return std::nullopt;
  const std::string path = "truncation";
  ctx.RequireObject(v, path);
  TruncationParams p;
  if (!v.Find("max_length").exists()) ctx.Fail(v, path, "missing required field \"max_length\"");
  p.max_length = ctx.GetUint(v, "max_length", 512, path);
  p.strategy = ParseStrategy(v, ctx, path);
  p.stride = ctx.GetUint(v, "stride", 0, path);
  const std::string dir = ctx.GetString(v, "direction", "Right", path);
  if (dir == "Right") {
    p.direction = TruncationDirection::Right;
  } else if (dir == "Left") {
    p.direction = TruncationDirection::Left;
  } else {
    ctx.Fail(v.Find("direction"), path + ".direction", "unknown direction \"" + dir + "\" (expected Right or Left)");
  }
  return p;
}

std::optional<PaddingParams> ParsePadding(const json::Value& v, const BuildContext& ctx) {
  if (!v.exists() || v.is_null()) return std::nullopt;
  const std::string path = "padding";
  ctx.RequireObject(v, path);
  PaddingParams p;
  const json::Value strategy = v.Find("strategy");
  if (strategy.is_string() && strategy.string_value() == "BatchLongest") {
    p.strategy = PaddingParams::Strategy::BatchLongest;
  } else if (strategy.is_object() && strategy.Find("Fixed").exists()) {
    p.strategy = PaddingParams::Strategy::Fixed;
    p.fixed_length = ctx.GetUint(strategy, "Fixed", 0, path + ".strategy");
  } else if (strategy.exists() && !strategy.is_null()) {
    ctx.Fail(strategy, path + ".strategy", "expected \"BatchLongest\" or {\"Fixed\": n}");
  }
  const std::string dir = ctx.GetString(v, "direction", "Right", path);
  if (dir == "Right") {
    p.direction = PaddingDirection::Right;
  } else if (dir == "Left") {
    p.direction = PaddingDirection::Left;
  } else {
    ctx.Fail(v.Find("direction"), path + ".direction", "unknown direction \"" + dir + "\" (expected Right or Left)");
  }
  p.pad_to_multiple_of = ctx.GetUint(v, "pad_to_multiple_of", 0, path);
  const json::Value pad_id = v.Find("pad_id");
  p.pad_id = pad_id.exists() && !pad_id.is_null() ? ctx.ToId(pad_id, path + ".pad_id") : 0;
  const json::Value pad_type_id = v.Find("pad_type_id");
  p.pad_type_id = pad_type_id.exists() && !pad_type_id.is_null() ? ctx.ToId(pad_type_id, path + ".pad_type_id") : 0;
  p.pad_token = ctx.GetString(v, "pad_token", "[PAD]", path);
  return p;
}

}  // namespace

// One sequence's tokens before truncation and post-processing; offsets and tokens only in the
// offsets path.
struct Tokenizer::SequenceTokens {
  std::vector<int32_t> ids;
  std::vector<Offsets> offsets;
  std::vector<std::string> tokens;

  void clear() {
    ids.clear();
    offsets.clear();
    tokens.clear();
  }
  // Drops the tokens outside `keep`.
  void Keep(KeptRange keep) {
    auto cut = [&](auto& v) {
      if (v.empty()) return;
      v.erase(v.begin() + keep.end, v.end());
      v.erase(v.begin(), v.begin() + keep.begin);
    };
    cut(ids);
    cut(offsets);
    cut(tokens);
  }
};

namespace {

// A split of HF's PreTokenizedString, as left truncation's early exit sees it: where its ids
// start, and whether the model made them (an added token never triggers the exit).
struct Split {
  size_t begin;
  bool model;
};

// Per-thread scratch buffers so that Encode allocates nothing once warmed up.
struct Scratch {
  std::string sanitized_a, sanitized_b;
  std::vector<AddedVocabulary::Segment> raw_segments, norm_segments;
  std::string normalized;
  WordList words;
  std::vector<Split> splits;
  // Offsets path only.
  AlignedText piece, aligned;
  WordList tracked_words;
  std::vector<TokenSpan> spans;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Scratch buffers grow to the largest input seen; give memory back after a huge one so that
// a long-lived worker thread does not keep it forever.
template <typename Buffer>
void Trim(Buffer* buf) {
  constexpr size_t kKeep = size_t{1} << 22;  // 4 MiB
  if (buf->capacity() * sizeof((*buf)[0]) > kKeep) {
    buf->clear();
    buf->shrink_to_fit();
  }
}

void TrimWords(WordList* words) {
  if (words->text().capacity() > (size_t{1} << 22)) *words = WordList();
}

void TrimScratch(Scratch* s) {
  Trim(&s->sanitized_a);
  Trim(&s->sanitized_b);
  Trim(&s->raw_segments);
  Trim(&s->norm_segments);
  Trim(&s->normalized);
  Trim(&s->splits);
  TrimWords(&s->words);
  TrimWords(&s->tracked_words);
  for (AlignedText* t : {&s->piece, &s->aligned}) {
    Trim(&t->text);
    Trim(&t->align);
  }
}
}  // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::FromFile(const std::string& path) { return FromJson(ReadFile(path), path); }

std::unique_ptr<Tokenizer> Tokenizer::FromJson(std::string_view text, std::string source_name) {
  json::Document doc = [&]() {
    try {
      return json::Document::Parse(std::string(text));
    } catch (const json::ParseError& e) {
      throw TokenizerError(source_name + ": invalid JSON: " + e.what());
    }
  }();
  const BuildContext ctx(source_name, doc);
  const json::Value root = doc.root();
  if (!root.is_object()) ctx.Fail(root, "", "a tokenizer.json must be a JSON object");

  const json::Value version = root.Find("version");
  if (version.exists() && !(version.is_string() && version.string_value() == "1.0")) {
    ctx.Fail(version, "version", "unknown tokenizer version (expected \"1.0\")");
  }

  std::unique_ptr<Tokenizer> tok(new Tokenizer());
  tok->source_name_ = source_name;
  tok->file_truncation_ = ParseTruncation(root.Find("truncation"), ctx);
  tok->file_padding_ = ParsePadding(root.Find("padding"), ctx);
  tok->normalizer_ = BuildNormalizer(root.Find("normalizer"), ctx, "normalizer");
  tok->pre_tokenizer_ = BuildPreTokenizer(root.Find("pre_tokenizer"), ctx, "pre_tokenizer");
  tok->model_ = BuildModel(root.Find("model"), ctx, "model");
  tok->post_processor_ = BuildPostProcessor(root.Find("post_processor"), ctx, "post_processor");
  if (!tok->post_processor_) tok->post_processor_ = MakeIdentityProcessing();

  // Added tokens, with HF's id assignment (added_vocabulary.rs::add_tokens): a token the model
  // knows keeps the model's id; a repeated content keeps its first id; any other token gets the
  // next id after the vocabulary (the "id" written in the file is not used, as in HF).
  std::vector<AddedToken> added;
  const json::Value list = root.Find("added_tokens");
  if (list.exists() && !list.is_null()) {
    if (!list.is_array()) ctx.Fail(list, "added_tokens", "expected an array");
    const size_t model_size = tok->model_->VocabSize();
    int64_t max_added_id = -1;
    for (size_t k = 0; k < list.size(); ++k) {
      const std::string path = "added_tokens[" + std::to_string(k) + "]";
      const json::Value item = list[k];
      ctx.RequireObject(item, path);
      AddedToken t;
      t.content = ctx.RequireString(item, "content", path);
      t.single_word = ctx.GetBool(item, "single_word", false, path);
      t.lstrip = ctx.GetBool(item, "lstrip", false, path);
      t.rstrip = ctx.GetBool(item, "rstrip", false, path);
      t.special = ctx.GetBool(item, "special", false, path);
      t.normalized = ctx.GetBool(item, "normalized", !t.special, path);
      const json::Value id = item.Find("id");
      if (!id.exists()) ctx.Fail(item, path, "missing required field \"id\"");
      ctx.ToId(id, path + ".id");  // validated, then superseded as in HF
      if (t.content.empty()) continue;  // HF ignores empty tokens
      int32_t assigned = -1;
      for (const auto& prev : added) {
        if (prev.content == t.content) assigned = prev.id;
      }
      if (assigned < 0) assigned = tok->model_->TokenToId(t.content);
      if (assigned < 0) {
        const int64_t next = (max_added_id < 0) ? static_cast<int64_t>(model_size)
                             : (max_added_id >= static_cast<int64_t>(model_size) || model_size == 0)
                                 ? max_added_id + 1
                                 : static_cast<int64_t>(model_size);
        if (next > std::numeric_limits<int32_t>::max()) ctx.Fail(item, path, "too many added tokens");
        assigned = static_cast<int32_t>(next);
      }
      t.id = assigned;
      max_added_id = std::max<int64_t>(max_added_id, assigned);
      added.push_back(std::move(t));
    }
  }
  tok->added_vocabulary_ = std::make_unique<AddedVocabulary>();
  tok->added_vocabulary_->Build(std::move(added), tok->normalizer_.get());

  if (tok->file_padding_) {
    tok->pad_id_ = tok->file_padding_->pad_id;
    tok->pad_type_id_ = tok->file_padding_->pad_type_id;
  } else {
    std::optional<int32_t> pad = tok->token_to_id("[PAD]");
    if (!pad) pad = tok->token_to_id("<pad>");
    tok->pad_id_ = pad.value_or(0);
    tok->pad_type_id_ = 0;
  }
  return tok;
}

size_t Tokenizer::num_special_tokens_to_add(bool is_pair) const {
  return post_processor_->AddedTokens(is_pair);
}

size_t Tokenizer::vocab_size() const {
  size_t n = model_->VocabSize();
  for (const auto& t : added_vocabulary_->tokens()) {
    if (model_->TokenToId(t.content) < 0) ++n;
  }
  return n;
}

int32_t Tokenizer::max_token_id() const {
  int32_t max_id = static_cast<int32_t>(model_->VocabSize()) - 1;
  for (const auto& t : added_vocabulary_->tokens()) max_id = std::max(max_id, t.id);
  return max_id;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  int32_t id = added_vocabulary_->TokenToId(token);
  if (id < 0) id = model_->TokenToId(token);
  if (id < 0) return std::nullopt;
  return id;
}

std::string Tokenizer::id_to_token(int32_t id) const {
  for (const auto& t : added_vocabulary_->tokens()) {
    if (t.id == id) return t.content;
  }
  return std::string(model_->IdToToken(id));
}

// Encodes one sequence. With `cap` < SIZE_MAX, HF's early exit: stop once the sequence has `cap`
// ids or more after a model-tokenized word (right truncation), or keep only the words from the
// end that reach `cap` (left truncation). The exit is not result-neutral: LongestFirst compares
// the capped lengths. Added tokens count toward the cap but never trigger it themselves.
// kOffsets also tracks where each token comes from (HF's NormalizedString alignments).
template <bool kOffsets>
void Tokenizer::EncodeSequence(std::string_view text, size_t cap, TruncationDirection direction,
                               SequenceTokens* out) const {
  Scratch& s = ThreadScratch();
  std::vector<int32_t>* ids = &out->ids;
  const bool left = direction == TruncationDirection::Left && cap != kNoCap;
  const size_t right_cap = left ? kNoCap : cap;
  if (left) s.splits.clear();
  auto& raw = s.raw_segments;
  raw.clear();
  if (added_vocabulary_->has_raw()) {
    added_vocabulary_->SplitRaw(text, &raw);
  } else if (!text.empty()) {
    raw.push_back({0, text.size(), -1});
  }

  // HF names an added token found in the text by the text it matched (lstrip/rstrip spaces included).
  auto push_added = [&](int32_t id, Offsets where, std::string_view matched) {
    if (left) s.splits.push_back({ids->size(), false});
    ids->push_back(id);
    if constexpr (kOffsets) {
      out->offsets.push_back(where);
      out->tokens.emplace_back(matched);
    }
  };

  // Pre-tokenizes and tokenizes normalized[begin, end); returns false once the cap is hit.
  auto run_piece = [&](std::string_view normalized, size_t begin, size_t end, bool at_start) -> bool {
    const std::string_view piece = normalized.substr(begin, end - begin);
    WordList& words = kOffsets ? s.tracked_words : s.words;
    words.clear();
    if constexpr (kOffsets) words.Track(piece);
    if (pre_tokenizer_) {
      pre_tokenizer_->PreTokenize(piece, at_start, &words);
    } else if (!piece.empty()) {
      words.Add(piece);
    }
    for (size_t w = 0; w < words.size(); ++w) {
      if (left) s.splits.push_back({ids->size(), true});
      if constexpr (kOffsets) {
        s.spans.clear();
        model_->TokenizeWithSpans(words[w], ids, &s.spans);
        const size_t at = words.offset(w);
        for (size_t k = 0; k < s.spans.size(); ++k) {
          const TokenSpan& span = s.spans[k];
          // HF's convert_offsets over the word's alignments: first byte's start, last byte's end.
          const Offsets first = s.aligned.align[begin + words.source(at + span.begin)];
          const Offsets last = span.end > span.begin ? s.aligned.align[begin + words.source(at + span.end - 1)] : first;
          out->offsets.push_back({first.first, span.end > span.begin ? last.second : first.first});
          out->tokens.push_back(span.text_value ? std::string(words[w].substr(span.begin, span.end - span.begin))
                                                : id_to_token((*ids)[ids->size() - s.spans.size() + k]));
        }
      } else {
        model_->Tokenize(words[w], ids);
      }
      if (ids->size() >= right_cap) return false;
    }
    return true;
  };

  for (const auto& seg : raw) {
    if (seg.id >= 0) {
      push_added(seg.id, {static_cast<uint32_t>(seg.begin), static_cast<uint32_t>(seg.end)},
                 text.substr(seg.begin, seg.end - seg.begin));
      continue;
    }
    const std::string_view piece = text.substr(seg.begin, seg.end - seg.begin);
    std::string_view normalized = piece;
    if constexpr (kOffsets) {
      s.aligned.clear();
      if (normalizer_) {
        s.piece.Assign(piece, static_cast<uint32_t>(seg.begin));
        normalizer_->NormalizeAligned(s.piece, &s.aligned);
      } else {
        s.aligned.Assign(piece, static_cast<uint32_t>(seg.begin));
      }
      normalized = s.aligned.text;
    } else if (normalizer_) {
      s.normalized.clear();
      normalizer_->Normalize(piece, &s.normalized);
      normalized = s.normalized;
    }
    if (!added_vocabulary_->has_normalized()) {
      if (!run_piece(normalized, 0, normalized.size(), seg.begin == 0)) break;
      continue;
    }
    auto& sub = s.norm_segments;
    sub.clear();
    added_vocabulary_->SplitNormalized(normalized, &sub);
    bool capped = false;
    for (const auto& ns : sub) {
      if (ns.id >= 0) {
        Offsets where{0, 0};
        if constexpr (kOffsets) where = s.aligned.Original(ns.begin, ns.end);
        push_added(ns.id, where, normalized.substr(ns.begin, ns.end - ns.begin));
        continue;
      }
      if (!run_piece(normalized, ns.begin, ns.end, seg.begin == 0 && ns.begin == 0)) {
        capped = true;
        break;
      }
    }
    if (capped) break;
  }

  if (left) {
    // HF walks the splits from the end and drops those before the one that reached the cap.
    size_t total = 0, first = s.splits.size();
    for (size_t k = s.splits.size(); k-- > 0;) {
      const size_t end = k + 1 < s.splits.size() ? s.splits[k + 1].begin : ids->size();
      total += end - s.splits[k].begin;
      first = k;
      if (s.splits[k].model && total >= cap) break;
    }
    if (first < s.splits.size() && s.splits[first].begin > 0) out->Keep({s.splits[first].begin, ids->size()});
  }
}

Encoding Tokenizer::Encode(std::string_view first, const std::string_view* second,
                           const EncodeOptions& options) const {
  Encoding out;
  EncodeInto(first, second, options, &out);
  return out;
}

void Tokenizer::EncodeInto(std::string_view first, const std::string_view* second, const EncodeOptions& options,
                           Encoding* out) const {
  out->ids.clear();
  out->type_ids.clear();
  out->attention_mask.clear();
  out->offsets.clear();
  out->sequence_ids.clear();
  out->tokens.clear();
  Scratch& s = ThreadScratch();

  // Ill-formed UTF-8 becomes U+FFFD (as Rust's from_utf8_lossy would); the stages below rely
  // on valid UTF-8.
  if (!utf8::IsValid(first)) {
    s.sanitized_a = utf8::Sanitize(first);
    first = s.sanitized_a;
  }
  std::string_view b_text;
  const bool pair = second != nullptr;
  if (pair) {
    b_text = *second;
    if (!utf8::IsValid(b_text)) {
      s.sanitized_b = utf8::Sanitize(b_text);
      b_text = s.sanitized_b;
    }
  }

  const bool truncate = options.max_length > 0;
  // HF's early exit caps each sequence at the full max_length (not reduced by the special
  // tokens); the first sequence is not capped under only_second.
  const size_t cap_a = truncate && options.truncation != TruncationStrategy::OnlySecond ? options.max_length : kNoCap;
  const size_t cap_b = truncate ? options.max_length : kNoCap;

  thread_local SequenceTokens a, b;
  a.clear();
  b.clear();
  const bool offsets = options.with_offsets;
  if (offsets) {
    EncodeSequence<true>(first, cap_a, options.direction, &a);
    if (pair) EncodeSequence<true>(b_text, cap_b, options.direction, &b);
  } else {
    EncodeSequence<false>(first, cap_a, options.direction, &a);
    if (pair) EncodeSequence<false>(b_text, cap_b, options.direction, &b);
  }

  const size_t n_added = num_special_tokens_to_add(pair);
  if (truncate) {
    size_t budget = options.max_length;
    bool apply = true;
    if (options.add_special_tokens && n_added > 0) {
      // When max_length < n_added, HF's `max_length - n_added` wraps around (usize), which
      // disables truncation; the early-exit cap above still applies. Mirror that.
      apply = options.max_length >= n_added;
      budget = options.max_length - (apply ? n_added : 0);
    }
    if (apply) {
      KeptRange keep_a, keep_b;
      PlanTruncation(a.ids.size(), b.ids.size(), pair, budget, options.truncation, options.direction, &keep_a, &keep_b);
      a.Keep(keep_a);
      b.Keep(keep_b);
    }
  }

  if (offsets) {
    for (const bool add_prefix_space : post_processor_->offset_trims) {
      TrimByteLevelOffsets(a.tokens, add_prefix_space, first, &a.offsets);
      if (pair) TrimByteLevelOffsets(b.tokens, add_prefix_space, b_text, &b.offsets);
    }
  }
  if (!offsets) {
    post_processor_->Process(a.ids, pair ? &b.ids : nullptr, options.add_special_tokens, out);
  } else {
    // The post-processors only place ids, so running them on markers (-1 - index) tells which
    // output comes from which input token; everything else is a special token.
    std::vector<int32_t> mark_a(a.ids.size()), mark_b(b.ids.size());
    for (size_t i = 0; i < mark_a.size(); ++i) mark_a[i] = -1 - static_cast<int32_t>(i);
    for (size_t j = 0; j < mark_b.size(); ++j) mark_b[j] = -1 - static_cast<int32_t>(mark_a.size() + j);
    post_processor_->Process(mark_a, pair ? &mark_b : nullptr, options.add_special_tokens, out);
    out->offsets.resize(out->ids.size());
    out->sequence_ids.resize(out->ids.size());
    out->tokens.resize(out->ids.size());
    for (size_t i = 0; i < out->ids.size(); ++i) {
      const int32_t id = out->ids[i];
      if (id >= 0) {
        out->offsets[i] = {0, 0};
        out->sequence_ids[i] = -1;
        const auto& names = post_processor_->special_token_names;
        auto named = std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first == id; });
        out->tokens[i] = named != names.end() ? named->second : id_to_token(id);
        continue;
      }
      const size_t k = static_cast<size_t>(-1 - id);
      const bool from_b = k >= a.ids.size();
      SequenceTokens& src = from_b ? b : a;
      const size_t j = from_b ? k - a.ids.size() : k;
      out->ids[i] = src.ids[j];
      out->offsets[i] = src.offsets[j];
      out->sequence_ids[i] = from_b ? 1 : 0;
      out->tokens[i] = std::move(src.tokens[j]);
    }
  }
  for (SequenceTokens* seq : {&a, &b}) {
    Trim(&seq->ids);
    Trim(&seq->offsets);
    Trim(&seq->tokens);
  }
  TrimScratch(&s);
}

void Tokenizer::AssemblePair(const std::vector<int32_t>& a, const std::vector<int32_t>& b, Encoding* out) const {
  out->ids.clear();
  out->type_ids.clear();
  out->attention_mask.clear();
  post_processor_->Process(a, &b, true, out);
}

}  // namespace tokenizer
}  // namespace crossrank

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

// Per-thread scratch buffers so that Encode allocates nothing once warmed up.
struct Scratch {
  std::string sanitized_a, sanitized_b;
  std::vector<int32_t> ids_a, ids_b;
  std::vector<AddedVocabulary::Segment> raw_segments, norm_segments;
  std::string normalized;
  WordList words;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// Scratch buffers grow to the largest input seen; give memory back after a huge one so that
// a long-lived worker thread does not keep it forever.
void TrimScratch(Scratch* s) {
  constexpr size_t kKeep = size_t{1} << 22;  // 4 MiB
  auto trim = [](auto& buf) {
    if (buf.capacity() * sizeof(buf[0]) > kKeep) {
      buf.clear();
      buf.shrink_to_fit();
    }
  };
  trim(s->sanitized_a);
  trim(s->sanitized_b);
  trim(s->ids_a);
  trim(s->ids_b);
  trim(s->raw_segments);
  trim(s->norm_segments);
  trim(s->normalized);
  if (s->words.text().capacity() > kKeep) s->words = WordList();
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

// Appends the ids of one sequence. With `cap` < SIZE_MAX, stops once the sequence has `cap`
// ids or more after a model-tokenized word, exactly like HF's early exit for right truncation
// (which is not neutral: LongestFirst compares the capped lengths). Added tokens count toward
// the cap but never trigger the stop themselves.
void Tokenizer::EncodeSequence(std::string_view text, size_t cap, std::vector<int32_t>* ids) const {
  Scratch& s = ThreadScratch();
  auto& raw = s.raw_segments;
  raw.clear();
  if (added_vocabulary_->has_raw()) {
    added_vocabulary_->SplitRaw(text, &raw);
  } else if (!text.empty()) {
    raw.push_back({0, text.size(), -1});
  }

  // Pre-tokenizes and tokenizes one normalized piece; returns false once the cap is hit.
  auto run_piece = [&](std::string_view piece, bool at_start) -> bool {
    s.words.clear();
    if (pre_tokenizer_) {
      pre_tokenizer_->PreTokenize(piece, at_start, &s.words);
    } else if (!piece.empty()) {
      s.words.Add(piece);
    }
    for (size_t w = 0; w < s.words.size(); ++w) {
      model_->Tokenize(s.words[w], ids);
      if (ids->size() >= cap) return false;
    }
    return true;
  };

  for (const auto& seg : raw) {
    if (seg.id >= 0) {
      ids->push_back(seg.id);
      continue;
    }
    const std::string_view piece = text.substr(seg.begin, seg.end - seg.begin);
    std::string_view normalized = piece;
    if (normalizer_) {
      s.normalized.clear();
      normalizer_->Normalize(piece, &s.normalized);
      normalized = s.normalized;
    }
    if (!added_vocabulary_->has_normalized()) {
      if (!run_piece(normalized, seg.begin == 0)) return;
      continue;
    }
    auto& sub = s.norm_segments;
    sub.clear();
    added_vocabulary_->SplitNormalized(normalized, &sub);
    for (const auto& ns : sub) {
      if (ns.id >= 0) {
        ids->push_back(ns.id);
        continue;
      }
      if (!run_piece(normalized.substr(ns.begin, ns.end - ns.begin), seg.begin == 0 && ns.begin == 0)) return;
    }
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
  constexpr size_t kNoCap = std::numeric_limits<size_t>::max();
  // HF's early exit caps each sequence at the full max_length (not reduced by the special
  // tokens); the first sequence is not capped under only_second.
  const size_t cap_a = truncate && options.truncation != TruncationStrategy::OnlySecond ? options.max_length : kNoCap;
  const size_t cap_b = truncate ? options.max_length : kNoCap;

  std::vector<int32_t>& a = s.ids_a;
  std::vector<int32_t>& b = s.ids_b;
  a.clear();
  b.clear();
  EncodeSequence(first, cap_a, &a);
  if (pair) EncodeSequence(b_text, cap_b, &b);

  const size_t n_added = num_special_tokens_to_add(pair);
  if (truncate) {
    if (options.add_special_tokens && n_added > 0) {
      // When max_length < n_added, HF's `max_length - n_added` wraps around (usize), which
      // disables truncation; the early-exit cap above still applies. Mirror that.
      if (options.max_length >= n_added) {
        TruncateSequences(&a, pair ? &b : nullptr, options.max_length - n_added, options.truncation);
      }
    } else {
      TruncateSequences(&a, pair ? &b : nullptr, options.max_length, options.truncation);
    }
  }

  post_processor_->Process(a, pair ? &b : nullptr, options.add_special_tokens, out);
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

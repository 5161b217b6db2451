// The pipeline stages, mirroring huggingface/tokenizers: one small interface per stage, one
// implementation per file, and one factory (factory.cc) keyed by the JSON "type" tag.
// Everything here is internal to native/tokenizer/.
#ifndef CROSSRANK_TOKENIZER_COMPONENTS_H_
#define CROSSRANK_TOKENIZER_COMPONENTS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/json.h"
#include "tokenizer/tokenizer.h"

namespace crossrank {
namespace tokenizer {

// Byte range [first, second) in the original input of a sequence.
using ByteRange = std::pair<uint32_t, uint32_t>;

// HF's NormalizedString, as far as offsets need it: a text and, for each of its bytes, the range
// of the original input that byte stands for (all bytes of one character share their range).
// Only Encode with offsets builds one; the hot path works on plain strings.
struct AlignedText {
  std::string text;
  std::vector<ByteRange> align;

  void clear() {
    text.clear();
    align.clear();
  }
  // Every byte of a fresh piece stands for its own character: [offset + start, offset + end).
  void Assign(std::string_view original, uint32_t offset);
  // HF's transform_range over in[begin, end): each (char, change) of `dest` with change 0 replaces
  // the next input char (and takes its range), change n < 0 also removes the n chars after it,
  // change > 0 inserts a char with the range of the input byte before the current position (an
  // empty range at the very start).
  void AppendTransformed(const AlignedText& in, size_t begin, size_t end,
                         const std::vector<std::pair<char32_t, int>>& dest);
  // Appends `produced`, made from the characters of in[begin, end), as HF's simple replacements
  // do: produced char k replaces input char k, the last one removes any surplus input chars,
  // extra ones are inserted (begin == end: a pure insertion).
  void AppendFrom(const AlignedText& in, size_t begin, size_t end, std::string_view produced);
  // Appends in[begin, end) as it is.
  void AppendSlice(const AlignedText& in, size_t begin, size_t end);
  // The original range of text[begin, end) (non-empty): HF's convert_offsets.
  ByteRange Original(size_t begin, size_t end) const { return {align[begin].first, align[end - 1].second}; }
};

// A list of words backed by one arena (no allocation per word once warmed up).
//
// With Track(input) (offsets only), the list also records for each byte of every word the byte
// of `input` it stands for: Add() works it out from where the view points (words cut from the
// input), producers that build words in place call AddSource for what they append.
class WordList {
 public:
  void clear() {
    text_.clear();
    spans_.clear();
    source_.clear();
  }
  void Add(std::string_view w) {
    spans_.emplace_back(static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(w.size()));
    text_.append(w.data(), w.size());
    if (tracking_) {
      const uint32_t at = static_cast<uint32_t>(w.data() - tracked_.data());
      for (uint32_t k = 0; k < w.size(); ++k) source_.push_back(at + k);
    }
  }
  // For producers that build a word in place: append to text(), then call EndWord(begin).
  std::string& text() { return text_; }
  void EndWord(size_t begin) {
    spans_.emplace_back(static_cast<uint32_t>(begin), static_cast<uint32_t>(text_.size() - begin));
  }
  size_t size() const { return spans_.size(); }
  std::string_view operator[](size_t i) const {
    return std::string_view(text_.data() + spans_[i].first, spans_[i].second);
  }

  void Track(std::string_view input) {
    tracking_ = true;
    tracked_ = input;
  }
  bool tracking() const { return tracking_; }
  // The next `n` bytes appended to text() stand for byte `src` of the tracked input.
  void AddSource(uint32_t src, size_t n) {
    if (tracking_) source_.insert(source_.end(), n, src);
  }
  // Byte k of the text() arena stands for this byte of the tracked input.
  uint32_t source(size_t k) const { return source_[k]; }
  size_t offset(size_t i) const { return spans_[i].first; }
  size_t sources() const { return source_.size(); }
  // For chained pre-tokenizers: the sources from index `from` on were recorded relative to word
  // `w` of `via`; make them relative to via's tracked input.
  void Rebase(size_t from, const WordList& via, size_t w) {
    for (size_t k = from; k < source_.size(); ++k) source_[k] = via.source_[via.spans_[w].first + source_[k]];
  }

 private:
  std::string text_;
  std::vector<std::pair<uint32_t, uint32_t>> spans_;
  bool tracking_ = false;
  std::string_view tracked_;
  std::vector<uint32_t> source_;
};

// All stages receive and produce valid UTF-8 and must be const + thread-safe.
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Appends the normalized form of `in` to *out.
  virtual void Normalize(std::string_view in, std::string* out) const = 0;
  // Same, keeping HF's alignments (offsets only). The default normalizes one character at a
  // time, each output aligned to its character: exact for the context-free normalizers
  // (BertNormalizer, Lowercase, StripAccents), whose HF transforms do exactly that.
  virtual void NormalizeAligned(const AlignedText& in, AlignedText* out) const;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits `in` into words appended to *out. `at_sequence_start` is true when `in` begins at
  // offset 0 of the original sequence (Metaspace's prepend_scheme "first" needs it).
  virtual void PreTokenize(std::string_view in, bool at_sequence_start, WordList* out) const = 0;
};

// Where a model token comes from in its word: bytes [begin, end). `text_value`: HF names the
// token by that text rather than by its vocabulary entry (Unigram's unknown pieces).
struct TokenSpan {
  uint32_t begin, end;
  bool text_value;
};

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of one pre-tokenized word to *ids.
  virtual void Tokenize(std::string_view word, std::vector<int32_t>* ids) const = 0;
  // Same, plus one span per id appended to *spans (offsets only; no caches involved).
  virtual void TokenizeWithSpans(std::string_view word, std::vector<int32_t>* ids,
                                 std::vector<TokenSpan>* spans) const = 0;
  // Id of a token of the vocabulary, or -1.
  virtual int32_t TokenToId(std::string_view token) const = 0;
  // Token of an id, or an empty view.
  virtual std::string_view IdToToken(int32_t id) const = 0;
  virtual size_t VocabSize() const = 0;
};

// For a model whose one routine, Run(word, ids, spans), fills spans when given some (WordPiece,
// Unigram): the hot path passes none.
template <typename Derived>
class SpanFillingModel : public Model {
 public:
  void Tokenize(std::string_view word, std::vector<int32_t>* ids) const final {
    static_cast<const Derived*>(this)->Run(word, ids, nullptr);
  }
  void TokenizeWithSpans(std::string_view word, std::vector<int32_t>* ids,
                         std::vector<TokenSpan>* spans) const final {
    static_cast<const Derived*>(this)->Run(word, ids, spans);
  }
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Number of special tokens Process adds with add_special_tokens on.
  virtual size_t AddedTokens(bool is_pair) const = 0;
  // Builds the final encoding from the (already truncated) sequences.
  virtual void Process(const std::vector<int32_t>& a, const std::vector<int32_t>* b, bool add_special_tokens,
                       Encoding* out) const = 0;

  // Offsets only: HF's trim_offsets steps (ByteLevel, RobertaProcessing; a Sequence may hold
  // several), in order, each with its add_prefix_space. Run on each sequence before Process.
  std::vector<bool> offset_trims;
  // Offsets only: the token string HF gives each id this processor adds (the template's own
  // names, which need not be the vocabulary's), first name first.
  std::vector<std::pair<int32_t, std::string>> special_token_names;
};

// HF's byte_level::process_offsets: a token's leading/trailing spaces ('Ġ' or whitespace) move
// out of its offsets, except the one space add_prefix_space added in front of a sequence.
// `text` is the sequence the offsets point into.
void TrimByteLevelOffsets(const std::vector<std::string>& tokens, bool add_prefix_space, std::string_view text,
                          std::vector<Offsets>* offsets);

// Where a component is being built: the source file and the JSON path, for error messages.
class BuildContext {
 public:
  BuildContext(const std::string& source, const json::Document& doc) : source_(source), doc_(doc) {}

  // Throws TokenizerError: "<source>: <path>: <message> (line L, column C)".
  [[noreturn]] void Fail(const json::Value& at, const std::string& path, const std::string& message) const;

  // Typed field readers; a missing or null field gives the default, a wrong type fails.
  bool GetBool(const json::Value& obj, std::string_view key, bool def, const std::string& path) const;
  // Optional bool: *present = false for missing/null.
  bool GetOptionalBool(const json::Value& obj, std::string_view key, bool* present, const std::string& path) const;
  std::string GetString(const json::Value& obj, std::string_view key, const std::string& def,
                        const std::string& path) const;
  // A required string field.
  std::string RequireString(const json::Value& obj, std::string_view key, const std::string& path) const;
  uint64_t GetUint(const json::Value& obj, std::string_view key, uint64_t def, const std::string& path) const;
  // Reads a non-negative integer value that fits int32 (token ids).
  int32_t ToId(const json::Value& v, const std::string& path) const;
  // A `{token: id}` vocabulary object, its keys copied into one arena (what WordPiece and BPE keep).
  struct VocabArena {
    std::string arena;
    std::vector<std::pair<uint32_t, uint32_t>> spans;  // (offset, length) of each key in `arena`
    std::vector<int32_t> ids;                          // parallel to spans
  };
  VocabArena ReadVocabObject(const json::Value& vocab, const std::string& path) const;
  // The `[token, id]` field, as BertProcessing and RobertaProcessing write `cls` and `sep`.
  std::pair<std::string, int32_t> RequireTokenIdPair(const json::Value& obj, const char* key, const std::string& path) const;
  // Fails unless `v` is an object.
  void RequireObject(const json::Value& v, const std::string& path) const;
  // The "type" tag of a component object (fails if absent or not a string).
  std::string_view TypeOf(const json::Value& obj, const std::string& path) const;

  const std::string& source() const { return source_; }

 private:
  const std::string& source_;
  const json::Document& doc_;
};

// Factories (factory.cc). A null/missing JSON value gives nullptr; an unknown "type" fails
// with a message naming the type and the file.
std::unique_ptr<Normalizer> BuildNormalizer(const json::Value& v, const BuildContext& ctx, const std::string& path);
std::unique_ptr<PreTokenizer> BuildPreTokenizer(const json::Value& v, const BuildContext& ctx,
                                                const std::string& path);
std::unique_ptr<Model> BuildModel(const json::Value& v, const BuildContext& ctx, const std::string& path);
std::unique_ptr<PostProcessor> BuildPostProcessor(const json::Value& v, const BuildContext& ctx,
                                                  const std::string& path);
// What a file without an id-adding post-processor gets: A then B, type ids 0 and 1, no tokens added.
std::unique_ptr<PostProcessor> MakeIdentityProcessing();

}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_COMPONENTS_H_

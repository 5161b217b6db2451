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

// A list of words backed by one arena (no allocation per word once warmed up).
class WordList {
 public:
  void clear() {
    text_.clear();
    spans_.clear();
  }
  void Add(std::string_view w) {
    spans_.emplace_back(static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(w.size()));
    text_.append(w.data(), w.size());
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

 private:
  std::string text_;
  std::vector<std::pair<uint32_t, uint32_t>> spans_;
};

// All stages receive and produce valid UTF-8 and must be const + thread-safe.
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Appends the normalized form of `in` to *out.
  virtual void Normalize(std::string_view in, std::string* out) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits `in` into words appended to *out. `at_sequence_start` is true when `in` begins at
  // offset 0 of the original sequence (Metaspace's prepend_scheme "first" needs it).
  virtual void PreTokenize(std::string_view in, bool at_sequence_start, WordList* out) const = 0;
};

class Model {
 public:
  virtual ~Model() = default;
  // Appends the ids of one pre-tokenized word to *ids.
  virtual void Tokenize(std::string_view word, std::vector<int32_t>* ids) const = 0;
  // Id of a token of the vocabulary, or -1.
  virtual int32_t TokenToId(std::string_view token) const = 0;
  // Token of an id, or an empty view.
  virtual std::string_view IdToToken(int32_t id) const = 0;
  virtual size_t VocabSize() const = 0;
};

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Number of special tokens Process adds with add_special_tokens on.
  virtual size_t AddedTokens(bool is_pair) const = 0;
  // Builds the final encoding from the (already truncated) sequences.
  virtual void Process(const std::vector<int32_t>& a, const std::vector<int32_t>* b, bool add_special_tokens,
                       Encoding* out) const = 0;
};

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
  // The id of a `[token, id]` field, as BertProcessing and RobertaProcessing write `cls` and `sep`.
  int32_t RequireTokenIdPair(const json::Value& obj, const char* key, const std::string& path) const;
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

// crossrank's native tokenizer: loads a Hugging Face `tokenizer.json` and encodes text (or
// text pairs) into model inputs with the same ids as HF `tokenizers` (checked against the npm
// `tokenizers` package as the oracle).
//
// The pipeline mirrors HF: added/special tokens are split out of the raw text, each remaining
// piece is normalized, pre-tokenized and run through the model (WordPiece, ...), the sequences
// are truncated, then the post-processor adds the special tokens and type ids.
//
// No N-API or ONNX Runtime types here: this library is plain C++17.
#ifndef CROSSRANK_TOKENIZER_TOKENIZER_H_
#define CROSSRANK_TOKENIZER_TOKENIZER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace crossrank {
namespace tokenizer {

enum class TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond };
enum class TruncationDirection { Right, Left };
enum class PaddingDirection { Right, Left };

// The `truncation` section of a tokenizer.json (exposed, not applied by Encode: callers pass
// EncodeOptions::max_length and direction explicitly).
struct TruncationParams {
  size_t max_length = 512;
  TruncationStrategy strategy = TruncationStrategy::LongestFirst;
  size_t stride = 0;
  TruncationDirection direction = TruncationDirection::Right;
};

// The `padding` section of a tokenizer.json (exposed, never applied by Encode: padding needs the
// whole batch, so callers apply it; lib/tokenizer.ts does, as HF's encode/encode_batch do).
struct PaddingParams {
  enum class Strategy { BatchLongest, Fixed };
  Strategy strategy = Strategy::BatchLongest;
  size_t fixed_length = 0;  // only for Strategy::Fixed
  PaddingDirection direction = PaddingDirection::Right;
  size_t pad_to_multiple_of = 0;  // 0 = none
  int32_t pad_id = 0;
  int32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
};

struct EncodeOptions {
  // Total length including the special tokens the post-processor adds; 0 = no truncation.
  size_t max_length = 0;
  TruncationStrategy truncation = TruncationStrategy::LongestFirst;
  // Left keeps the end of each sequence (HF's TruncationDirection::Left), for every strategy.
  TruncationDirection direction = TruncationDirection::Right;
  bool add_special_tokens = true;
  // Also fill Encoding::offsets, sequence_ids and tokens. Off for the engine's hot path: with it
  // every stage also carries an alignment per byte (as HF's NormalizedString does); without it
  // the encoding costs exactly what it did before offsets existed.
  bool with_offsets = false;
};

// Bytes [first, second) of one sequence's input.
using Offsets = std::pair<uint32_t, uint32_t>;

// Model inputs for one (pair of) sequence(s). attention_mask is all ones (no padding here).
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;
  std::vector<int32_t> attention_mask;

  // Filled only with EncodeOptions::with_offsets (empty otherwise); one entry per id.
  //
  // offsets[i]: the BYTE range [first, second) of the UTF-8 input of sequence sequence_ids[i]
  // (`first` or `second` as passed to Encode; for ill-formed UTF-8, of its U+FFFD-repaired form)
  // that token i was made from: HF's offsets, in bytes. A token that covers part of a character
  // (byte-level BPE, byte fallback) spans the whole character, so offsets always fall on
  // character boundaries and `input.substr(first, second - first)` is valid UTF-8. Tokens of one
  // sequence come in input order; a range may repeat (several tokens of one character) or be
  // empty (trim_offsets on a lone 'Ġ'), and HF's alignment rules can move a boundary by a
  // character next to normalized-away text (tokenizer/README.md, "Offsets"). Cutting a document
  // at token k's `first` (or after its `second`) never splits a character. Special tokens added
  // by the post-processor: {0, 0}. Added tokens found in the text (a literal "[SEP]") cover their
  // match, lstrip/rstrip whitespace included.
  std::vector<Offsets> offsets;
  // 0: from `first`; 1: from `second`; -1: a special token added by the post-processor.
  std::vector<int8_t> sequence_ids;
  // HF's token strings ("##ing", "Ġthe", "▁hello", "<0x41>", "[CLS]"; Unigram's unknown pieces
  // and added tokens found in the text by the text they matched, e.g. " <mask>" with lstrip).
  std::vector<std::string> tokens;
};

// Every error this library throws. Load errors name the file and the JSON location.
class TokenizerError : public std::runtime_error {
 public:
  explicit TokenizerError(const std::string& what) : std::runtime_error(what) {}
};

// Thrown by Encode when the requested truncation is impossible; the message is HF's, e.g.
// "Truncation error: Sequence to truncate too short to respect the provided max_length".
class TruncationError : public TokenizerError {
 public:
  explicit TruncationError(const std::string& what) : TokenizerError(what) {}
};

class Normalizer;
class PreTokenizer;
class Model;
class PostProcessor;
class AddedVocabulary;

class Tokenizer {
 public:
  // Reads and parses a tokenizer.json. Throws TokenizerError naming the file on any problem
  // (unreadable, invalid JSON, unknown component type, missing field...).
  static std::unique_ptr<Tokenizer> FromFile(const std::string& path);
  // Same from JSON text; `source_name` is used in error messages.
  static std::unique_ptr<Tokenizer> FromJson(std::string_view json, std::string source_name);

  ~Tokenizer();
  Tokenizer(const Tokenizer&) = delete;
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Encodes `first` (type 0) and, when `second` is non-null, the pair `second` (type 1).
  // Const and thread-safe: any number of threads may encode concurrently with one Tokenizer.
  // Input need not be valid UTF-8: ill-formed sequences are treated as U+FFFD (which
  // BertNormalizer's clean_text then drops, as HF does with String::from_utf8_lossy input).
  // Throws TruncationError where HF would fail (only_first/only_second cannot fit).
  // With options.with_offsets, also says where each token comes from (see Encoding).
  Encoding Encode(std::string_view first, const std::string_view* second, const EncodeOptions& options) const;
  Encoding Encode(std::string_view first, const EncodeOptions& options) const {
    return Encode(first, nullptr, options);
  }
  Encoding Encode(std::string_view first, std::string_view second, const EncodeOptions& options) const {
    return Encode(first, &second, options);
  }
  // The post-processor alone (special tokens, type ids) over two sequences already encoded alone
  // (add_special_tokens off) and truncated by the caller: a query beside one window of a document.
  void AssemblePair(const std::vector<int32_t>& a, const std::vector<int32_t>& b, Encoding* out) const;
  // Same, reusing `out`'s buffers (cleared first).
  void EncodeInto(std::string_view first, const std::string_view* second, const EncodeOptions& options,
                  Encoding* out) const;

  // Padding values: the file's padding section, else the id of the model's "[PAD]"/"<pad>"
  // token, else 0 (pad_type_id: the file's, else 0).
  int32_t pad_id() const { return pad_id_; }
  int32_t pad_type_id() const { return pad_type_id_; }
  const std::optional<TruncationParams>& file_truncation() const { return file_truncation_; }
  const std::optional<PaddingParams>& file_padding() const { return file_padding_; }

  // Special tokens the post-processor adds (BERT: 2 single, 3 pair; none without one).
  size_t num_special_tokens_to_add(bool is_pair) const;
  // Vocabulary size including added tokens that are not in the model's vocabulary.
  size_t vocab_size() const;
  // The largest id Encode can produce (the model's vocabulary and added tokens); the model's
  // embedding table needs more rows than that.
  int32_t max_token_id() const;
  // Id of a token (added tokens first, then the model's vocabulary).
  std::optional<int32_t> token_to_id(std::string_view token) const;
  // Token string of an id ("" if unknown); for debugging and tools.
  std::string id_to_token(int32_t id) const;
  const std::string& source_name() const { return source_name_; }

 private:
  Tokenizer();
  struct SequenceTokens;
  template <bool kOffsets>
  void EncodeSequence(std::string_view text, size_t cap, TruncationDirection direction, SequenceTokens* out) const;

  std::string source_name_;
  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<PostProcessor> post_processor_;
  std::unique_ptr<AddedVocabulary> added_vocabulary_;
  std::optional<TruncationParams> file_truncation_;
  std::optional<PaddingParams> file_padding_;
  int32_t pad_id_ = 0;
  int32_t pad_type_id_ = 0;
};

}  // namespace tokenizer
}  // namespace crossrank

#endif  // CROSSRANK_TOKENIZER_TOKENIZER_H_

// The one place where JSON "type" tags map to implementations. Adding a component = one new
// file defining its Build function + one line in the matching list below.
#include <memory>
#include <string>

#include "tokenizer/components.h"

namespace crossrank {
namespace tokenizer {

// name in tokenizer.json, builder
#define CROSSRANK_NORMALIZERS(X)             \
  X("BertNormalizer", BuildBertNormalizer)   \
  X("Lowercase", BuildLowercaseNormalizer)   \
  X("NFC", BuildNfcNormalizer)               \
  X("NFD", BuildNfdNormalizer)               \
  X("NFKC", BuildNfkcNormalizer)             \
  X("NFKD", BuildNfkdNormalizer)             \
  X("Sequence", BuildSequenceNormalizer)     \
  X("Precompiled", BuildPrecompiledNormalizer) \
  X("Strip", BuildStripNormalizer)           \
  X("StripAccents", BuildStripAccentsNormalizer) \
  X("Replace", BuildReplaceNormalizer)       \
  X("Prepend", BuildPrependNormalizer)

#define CROSSRANK_PRE_TOKENIZERS(X)                     \
  X("BertPreTokenizer", BuildBertPreTokenizer)          \
  X("ByteLevel", BuildByteLevelPreTokenizer)            \
  X("Split", BuildSplitPreTokenizer)                    \
  X("Punctuation", BuildPunctuationPreTokenizer)        \
  X("Digits", BuildDigitsPreTokenizer)                  \
  X("Whitespace", BuildWhitespacePreTokenizer)          \
  X("WhitespaceSplit", BuildWhitespaceSplitPreTokenizer) \
  X("Sequence", BuildSequencePreTokenizer)              \
  X("Metaspace", BuildMetaspacePreTokenizer)

#define CROSSRANK_MODELS(X)          \
  X("BPE", BuildBpeModel)             \
  X("WordPiece", BuildWordPieceModel) \
  X("Unigram", BuildUnigramModel)

#define CROSSRANK_POST_PROCESSORS(X)                \
  X("TemplateProcessing", BuildTemplateProcessing) \
  X("BertProcessing", BuildBertProcessing)         \
  X("RobertaProcessing", BuildRobertaProcessing)   \
  X("ByteLevel", BuildByteLevelProcessing)         \
  X("Sequence", BuildSequenceProcessing)


#define CROSSRANK_DECLARE_NORMALIZER(name, fn) \
  std::unique_ptr<Normalizer> fn(const json::Value& v, const BuildContext& ctx, const std::string& path);
#define CROSSRANK_DECLARE_PRE_TOKENIZER(name, fn) \
  std::unique_ptr<PreTokenizer> fn(const json::Value& v, const BuildContext& ctx, const std::string& path);
#define CROSSRANK_DECLARE_MODEL(name, fn) \
  std::unique_ptr<Model> fn(const json::Value& v, const BuildContext& ctx, const std::string& path);
#define CROSSRANK_DECLARE_POST_PROCESSOR(name, fn) \
  std::unique_ptr<PostProcessor> fn(const json::Value& v, const BuildContext& ctx, const std::string& path);

CROSSRANK_NORMALIZERS(CROSSRANK_DECLARE_NORMALIZER)
CROSSRANK_PRE_TOKENIZERS(CROSSRANK_DECLARE_PRE_TOKENIZER)
CROSSRANK_MODELS(CROSSRANK_DECLARE_MODEL)
CROSSRANK_POST_PROCESSORS(CROSSRANK_DECLARE_POST_PROCESSOR)

#define CROSSRANK_DISPATCH(name, fn) \
  if (type == name) return fn(v, ctx, path);
#define CROSSRANK_NAME(name, fn) " " name

namespace {

[[noreturn]] void Unknown(const json::Value& v, const BuildContext& ctx, const std::string& path, const char* kind,
                          std::string_view type, const char* supported) {
  ctx.Fail(v, path,
           std::string("unknown ") + kind + " type \"" + std::string(type) + "\" (supported:" + supported +
               ")");
}

// Models saved by old versions of `tokenizers` have no "type"; HF then tries BPE, WordPiece,
// WordLevel and Unigram in turn and keeps the first that deserializes. BPE needs "merges";
// WordPiece accepts any vocab map (its other fields have defaults), so WordLevel is never
// reached; Unigram's vocab is an array of [piece, score].
std::string_view InferModelType(const json::Value& v) {
  if (v.Find("merges").exists()) return "BPE";
  if (v.Find("vocab").is_array()) return "Unigram";
  return "WordPiece";
}

}  // namespace

std::unique_ptr<Normalizer> BuildNormalizer(const json::Value& v, const BuildContext& ctx, const std::string& path) {
  if (!v.exists() || v.is_null()) return nullptr;
  const std::string_view type = ctx.TypeOf(v, path);
  CROSSRANK_NORMALIZERS(CROSSRANK_DISPATCH)
  Unknown(v.Find("type"), ctx, path, "normalizer", type, CROSSRANK_NORMALIZERS(CROSSRANK_NAME));
}

std::unique_ptr<PreTokenizer> BuildPreTokenizer(const json::Value& v, const BuildContext& ctx,
                                                const std::string& path) {
  if (!v.exists() || v.is_null()) return nullptr;
  const std::string_view type = ctx.TypeOf(v, path);
  CROSSRANK_PRE_TOKENIZERS(CROSSRANK_DISPATCH)
  Unknown(v.Find("type"), ctx, path, "pre_tokenizer", type, CROSSRANK_PRE_TOKENIZERS(CROSSRANK_NAME));
}

std::unique_ptr<Model> BuildModel(const json::Value& v, const BuildContext& ctx, const std::string& path) {
  if (!v.exists() || v.is_null()) ctx.Fail(v, path, "the tokenizer has no model");
  ctx.RequireObject(v, path);
  const std::string_view type = v.Find("type").exists() ? ctx.TypeOf(v, path) : InferModelType(v);
  CROSSRANK_MODELS(CROSSRANK_DISPATCH)
  Unknown(v.Find("type").exists() ? v.Find("type") : v, ctx, path, "model", type, CROSSRANK_MODELS(CROSSRANK_NAME));
}

std::unique_ptr<PostProcessor> BuildPostProcessor(const json::Value& v, const BuildContext& ctx,
                                                  const std::string& path) {
  if (!v.exists() || v.is_null()) return nullptr;
  const std::string_view type = ctx.TypeOf(v, path);
  CROSSRANK_POST_PROCESSORS(CROSSRANK_DISPATCH)
  Unknown(v.Find("type"), ctx, path, "post_processor", type, CROSSRANK_POST_PROCESSORS(CROSSRANK_NAME));
}

}  // namespace tokenizer
}  // namespace crossrank

#include "addon/tokenizer.h"

#include "addon/args.h"
#include "addon/errors.h"
#include "addon/module.h"
#include "tokenizer/unicode/utf8.h"

namespace crossrank::addon {
namespace {

Napi::Array ToJs(Napi::Env env, const std::vector<int32_t>& values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) out.Set(static_cast<uint32_t>(i), Napi::Number::New(env, values[i]));
  return out;
}

Napi::Array OffsetsToJs(Napi::Env env, const tokenizer::Encoding& encoding, const std::string& first,
                        const std::string& second) {
  const std::vector<uint32_t> in_first = tokenizer::utf8::Utf16Indices(first);
  const std::vector<uint32_t> in_second = tokenizer::utf8::Utf16Indices(second);
  Napi::Array out = Napi::Array::New(env, encoding.offsets.size());
  for (size_t i = 0; i < encoding.offsets.size(); ++i) {
    const std::vector<uint32_t>& at = encoding.sequence_ids[i] == 1 ? in_second : in_first;
    const auto [start, end] = encoding.offsets[i];
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(0u, Napi::Number::New(env, encoding.sequence_ids[i] < 0 ? 0 : at[start]));
    pair.Set(1u, Napi::Number::New(env, encoding.sequence_ids[i] < 0 ? 0 : at[end]));
    out.Set(static_cast<uint32_t>(i), pair);
  }
  return out;
}

}  // namespace

Napi::Function NativeTokenizer::Define(Napi::Env env) {
  return DefineClass(env, "NativeTokenizer",
                     {StaticMethod<&NativeTokenizer::FromFile>("fromFile"),
                      InstanceMethod<&NativeTokenizer::Encode>("encode"),
                      InstanceMethod<&NativeTokenizer::Info>("info")});
}

NativeTokenizer::NativeTokenizer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeTokenizer>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw MakeError(info.Env(), ErrorCode::InvalidArgument, "NativeTokenizer cannot be constructed directly; use fromFile()");
  }
  tokenizer_ = std::move(*info[0].As<Napi::External<std::shared_ptr<const tokenizer::Tokenizer>>>().Data());
}

Napi::Value NativeTokenizer::FromFile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    throw MakeError(env, ErrorCode::InvalidArgument, "fromFile(path): path must be a string");
  }
  std::shared_ptr<const tokenizer::Tokenizer> loaded;
  try {
    loaded = tokenizer::Tokenizer::FromFile(info[0].As<Napi::String>().Utf8Value());
  } catch (const tokenizer::TokenizerError& e) {
    throw MakeError(env, ErrorCode::InvalidTokenizer, e.what());
  }
  // The External owns the handoff (freed by its finalizer), so nothing leaks if New fails.
  using Handoff = std::shared_ptr<const tokenizer::Tokenizer>;
  auto owned = std::make_unique<Handoff>(std::move(loaded));
  auto handoff = Napi::External<Handoff>::New(env, owned.get(), [](Napi::Env, Handoff* h) { delete h; });
  owned.release();
  return AddonData::Get(env).tokenizer.New({handoff});
}

// encode(text, pair | null, { maxLength, truncation, truncationDirection, addSpecialTokens, withOffsets })
Napi::Value NativeTokenizer::Encode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !(info[1].IsString() || info[1].IsNull()) || !info[2].IsObject()) {
    throw MakeError(env, ErrorCode::InvalidArgument, "encode(text, pair, options): expected string, string|null, object");
  }
  Napi::Object options = info[2].As<Napi::Object>();
  tokenizer::EncodeOptions encode;
  encode.max_length = static_cast<size_t>(OptionalInteger(options, "maxLength", 0, 0, 1 << 30));
  encode.truncation = ParseTruncation(env, OptionalString(options, "truncation", "longest_first"));
  encode.direction = ParseTruncationDirection(env, OptionalString(options, "truncationDirection", "right"));
  encode.add_special_tokens = OptionalBool(options, "addSpecialTokens", true);
  encode.with_offsets = OptionalBool(options, "withOffsets", false);
  const std::string first = info[0].As<Napi::String>().Utf8Value();
  const std::string second = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : std::string();
  const std::string_view second_view = second;
  tokenizer::Encoding encoding;
  try {
    encoding = tokenizer_->Encode(first, info[1].IsString() ? &second_view : nullptr, encode);
  } catch (const tokenizer::TruncationError& e) {
    throw MakeError(env, ErrorCode::Truncation, e.what());
  } catch (const std::exception& e) {
    throw MakeError(env, ErrorCode::InvalidArgument, e.what());
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("ids", ToJs(env, encoding.ids));
  out.Set("typeIds", ToJs(env, encoding.type_ids));
  out.Set("attentionMask", ToJs(env, encoding.attention_mask));
  if (encode.with_offsets) {
    out.Set("offsets", OffsetsToJs(env, encoding, first, second));
    Napi::Array sequence_ids = Napi::Array::New(env, encoding.sequence_ids.size());
    Napi::Array tokens = Napi::Array::New(env, encoding.tokens.size());
    for (size_t i = 0; i < encoding.tokens.size(); ++i) {
      const int seq = encoding.sequence_ids[i];
      sequence_ids.Set(static_cast<uint32_t>(i), seq < 0 ? env.Null() : Napi::Number::New(env, seq));
      tokens.Set(static_cast<uint32_t>(i), Napi::String::New(env, encoding.tokens[i]));
    }
    out.Set("sequenceIds", sequence_ids);
    out.Set("tokens", tokens);
  }
  return out;
}

namespace {

const char* StrategyName(tokenizer::TruncationStrategy strategy) {
  switch (strategy) {
    case tokenizer::TruncationStrategy::LongestFirst: return "longest_first";
    case tokenizer::TruncationStrategy::OnlyFirst: return "only_first";
    case tokenizer::TruncationStrategy::OnlySecond: return "only_second";
  }
  return "longest_first";
}

Napi::Value TruncationToJs(Napi::Env env, const std::optional<tokenizer::TruncationParams>& params) {
  if (!params) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  out.Set("maxLength", static_cast<double>(params->max_length));
  out.Set("strategy", StrategyName(params->strategy));
  out.Set("stride", static_cast<double>(params->stride));
  out.Set("direction", params->direction == tokenizer::TruncationDirection::Right ? "right" : "left");
  return out;
}

Napi::Value PaddingToJs(Napi::Env env, const std::optional<tokenizer::PaddingParams>& params) {
  if (!params) return env.Null();
  Napi::Object out = Napi::Object::New(env);
  const bool fixed = params->strategy == tokenizer::PaddingParams::Strategy::Fixed;
  out.Set("strategy", fixed ? "fixed" : "batch_longest");
  if (fixed) out.Set("length", static_cast<double>(params->fixed_length));
  out.Set("direction", params->direction == tokenizer::PaddingDirection::Right ? "right" : "left");
  out.Set("padToMultipleOf", static_cast<double>(params->pad_to_multiple_of));
  out.Set("padId", params->pad_id);
  out.Set("padTypeId", params->pad_type_id);
  out.Set("padToken", params->pad_token);
  return out;
}

}  // namespace

Napi::Value NativeTokenizer::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("fileTruncation", TruncationToJs(env, tokenizer_->file_truncation()));
  out.Set("filePadding", PaddingToJs(env, tokenizer_->file_padding()));
  out.Set("vocabSize", Napi::Number::New(env, static_cast<double>(tokenizer_->vocab_size())));
  out.Set("padId", Napi::Number::New(env, tokenizer_->pad_id()));
  out.Set("specialTokensPair", Napi::Number::New(env, static_cast<double>(tokenizer_->num_special_tokens_to_add(true))));
  out.Set("specialTokensSingle", Napi::Number::New(env, static_cast<double>(tokenizer_->num_special_tokens_to_add(false))));
  return out;
}

}  // namespace crossrank::addon

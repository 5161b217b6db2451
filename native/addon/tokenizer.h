// The tokenizer on its own, for counting tokens and for parity tests against Hugging Face.
#pragma once

#include <napi.h>

#include <memory>

#include "tokenizer/tokenizer.h"

namespace crossrank::addon {

class NativeTokenizer : public Napi::ObjectWrap<NativeTokenizer> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeTokenizer(const Napi::CallbackInfo& info);

 private:
  static Napi::Value FromFile(const Napi::CallbackInfo& info);
  Napi::Value Encode(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);

  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
};

}  // namespace crossrank::addon

// Per-environment state of the addon (the main thread and each worker_thread get their own).
#pragma once

#include <napi.h>

#include <string>

#include "tokenizer/tokenizer.h"

namespace crossrank::addon {

struct AddonData {
  Napi::FunctionReference reranker;
  Napi::FunctionReference tokenizer;
  static AddonData& Get(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }
};

// "longest_first" | "only_first" | "only_second", as HF and sentence-transformers spell them.
tokenizer::TruncationStrategy ParseTruncation(Napi::Env env, const std::string& name);
tokenizer::TruncationDirection ParseTruncationDirection(Napi::Env env, const std::string& name);

}  // namespace crossrank::addon

// Registers the exports; nothing else lives here.
#include "addon/module.h"

#include "addon/errors.h"
#include "addon/planning.h"
#include "addon/reranker.h"
#include "addon/tokenizer.h"
#include "runtime/process_exit.h"

namespace crossrank::addon {

tokenizer::TruncationStrategy ParseTruncation(Napi::Env env, const std::string& name) {
  if (name == "longest_first") return tokenizer::TruncationStrategy::LongestFirst;
  if (name == "only_first") return tokenizer::TruncationStrategy::OnlyFirst;
  if (name == "only_second") return tokenizer::TruncationStrategy::OnlySecond;
  throw MakeError(env, ErrorCode::InvalidArgument,
                  "truncation must be 'longest_first', 'only_first' or 'only_second', got '" + name + "'");
}

tokenizer::TruncationDirection ParseTruncationDirection(Napi::Env env, const std::string& name) {
  if (name == "right") return tokenizer::TruncationDirection::Right;
  if (name == "left") return tokenizer::TruncationDirection::Left;
  throw MakeError(env, ErrorCode::InvalidArgument, "truncationDirection must be 'right' or 'left', got '" + name + "'");
}

namespace {

// For tests: native objects alive in the whole process (every environment together).
Napi::Value LiveObjects(const Napi::CallbackInfo& info) {
  Napi::Object out = Napi::Object::New(info.Env());
  out.Set("rerankers", static_cast<double>(LiveCount<NativeReranker>::now()));
  out.Set("engines", static_cast<double>(LiveCount<engine::Engine>::now()));
  out.Set("sessions", static_cast<double>(LiveCount<runtime::InferenceSession>::now()));
  out.Set("requests", static_cast<double>(LiveCount<engine::Request>::now()));
  return out;
}

// For lib/'s process 'exit' listener (main thread): see runtime/process_exit.h.
Napi::Value StopForExit(const Napi::CallbackInfo& info) {
  runtime::StopForExit();
  return info.Env().Undefined();
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  Napi::Function reranker = NativeReranker::Define(env);
  Napi::Function tokenizer = NativeTokenizer::Define(env);
  data->reranker = Napi::Persistent(reranker);
  data->tokenizer = Napi::Persistent(tokenizer);
  env.SetInstanceData<AddonData>(data);
  exports.Set("NativeReranker", reranker);
  exports.Set("NativeTokenizer", tokenizer);
  exports.Set("liveObjects", Napi::Function::New<LiveObjects>(env, "liveObjects"));
  exports.Set("stopForExit", Napi::Function::New<StopForExit>(env, "stopForExit"));
  // For tests of the batching policy on a synthetic cost model.
  exports.Set("planBatches", Napi::Function::New<PlanBatches>(env, "planBatches"));
  exports.Set("fitCostModel", Napi::Function::New<FitCostModelJs>(env, "fitCostModel"));
  return exports;
}

}  // namespace
}  // namespace crossrank::addon

// The registration macro pastes the function name into an identifier, so it needs an unqualified one.
static Napi::Object InitCrossrank(Napi::Env env, Napi::Object exports) {
  return crossrank::addon::InitModule(env, exports);
}
NODE_API_MODULE(crossrank, InitCrossrank)

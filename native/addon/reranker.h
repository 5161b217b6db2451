// The native Reranker: argument conversion, promises, and zero-copy results. All real work happens in
// engine::Engine on its own threads; completions come back through one thread-safe function.
#pragma once

#include <napi.h>

#include <memory>
#include <thread>
#include <unordered_map>

#include "engine/engine.h"

namespace crossrank::addon {

struct LoadedModel;

class NativeReranker : public Napi::ObjectWrap<NativeReranker> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit NativeReranker(const Napi::CallbackInfo& info);
  ~NativeReranker() override;

  // An engine completion or, with a null request, the end of close(); delivered on the JS thread.
  struct Event {
    std::shared_ptr<engine::Request> request;
  };
  static void OnEvent(Napi::Env env, Napi::Function unused, NativeReranker* self, Event* event);

 private:
  using EventTsfn = Napi::TypedThreadSafeFunction<NativeReranker, Event, &NativeReranker::OnEvent>;

  static Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Score(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  // Hands an engine completion (or, with null, the end of close()) to the JS thread.
  void Post(std::shared_ptr<engine::Request> request);
  void Settle(Napi::Env env, const std::shared_ptr<engine::Request>& request);
  void FinishClose(Napi::Env env);
  void TrackPending(Napi::Env env, bool busy);
  static void OnEnvTeardown(void* self);

  std::unique_ptr<LoadedModel> model_;
  std::unique_ptr<engine::Engine> engine_;
  EventTsfn events_;
  bool events_released_ = false;
  bool env_torn_down_ = false;
  // Raw deferreds: settling them must not throw when the environment is shutting down.
  std::unordered_map<uint64_t, napi_deferred> pending_;
  bool closing_ = false;
  bool referenced_ = false;
  std::unique_ptr<Napi::Promise::Deferred> close_deferred_;
  std::thread closer_;
  napi_env env_;  // for removing the env cleanup hook
  LiveCount<NativeReranker> live_;
};

}  // namespace crossrank::addon

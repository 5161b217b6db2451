#include "addon/reranker.h"

#include <cstring>
#include <future>

#include "addon/args.h"
#include "addon/errors.h"
#include "addon/module.h"

namespace crossrank::addon {

// Everything Load builds off the JS thread, handed to the constructor in one piece.
struct LoadedModel {
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;
  std::shared_ptr<const runtime::InferenceSession> session;
  engine::EngineConfig engine;
};

namespace {

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, std::string tokenizer_path, runtime::SessionConfig session, engine::EngineConfig engine,
             bool activation_given)
      : Napi::AsyncWorker(env, "crossrank:load"),
        activation_given_(activation_given),
        deferred_(Napi::Promise::Deferred::New(env)),
        tokenizer_path_(std::move(tokenizer_path)),
        session_config_(std::move(session)),
        engine_config_(engine) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  // Model loading is one-off and short next to a lifetime of scoring, so libuv's pool is fine here.
  void Execute() override {
    try {
      model_ = std::make_unique<LoadedModel>();
      // The tokenizer (up to ~150 ms for a 250k-piece vocabulary) loads while ORT builds the session.
      auto tokenizer = std::async(std::launch::async, [path = tokenizer_path_] {
        try {
          return std::shared_ptr<const tokenizer::Tokenizer>(tokenizer::Tokenizer::FromFile(path));
        } catch (const tokenizer::TokenizerError& e) {
          throw Error(ErrorCode::InvalidTokenizer, e.what());
        }
      });
      std::shared_ptr<const runtime::InferenceSession> session;
      try {
        session = std::make_shared<runtime::InferenceSession>(session_config_);
      } catch (...) {
        tokenizer.wait();  // never leave the tokenizer thread running past this worker
        throw;
      }
      model_->tokenizer = tokenizer.get();  // rethrows the tokenizer's error, if any
      model_->session = std::move(session);
      model_->engine = engine_config_;
      if (!activation_given_) {
        // sentence-transformers' CrossEncoder default, once the graph has told the label count.
        model_->engine.activation =
            model_->session->info().num_labels == 1 ? engine::Activation::Sigmoid : engine::Activation::None;
      }
    } catch (const Error& e) {
      error_ = e;
      SetError(e.what());
    } catch (const std::exception& e) {
      error_ = Error(ErrorCode::InvalidModel, e.what());
      SetError(e.what());
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      Napi::Object instance =
          AddonData::Get(env).reranker.New({Napi::External<LoadedModel>::New(env, model_.release())});
      deferred_.Resolve(instance);
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error&) override { deferred_.Reject(MakeError(Env(), *error_).Value()); }

 private:
  bool activation_given_;
  Napi::Promise::Deferred deferred_;
  std::string tokenizer_path_;
  runtime::SessionConfig session_config_;
  engine::EngineConfig engine_config_;
  std::unique_ptr<LoadedModel> model_;
  std::optional<Error> error_;
};

void FreeScores(napi_env, void* data, void*) { delete[] static_cast<float*>(data); }

// Wraps the engine's buffer without copying; copies only where the runtime forbids external memory
// (Electron's V8 sandbox).
Napi::Float32Array ScoresToJs(Napi::Env env, engine::Request& request) {
  const size_t count = request.size() * request.num_labels;
  const size_t bytes = count * sizeof(float);
  napi_value buffer;
  float* data = request.scores.get();
  napi_status status = napi_create_external_arraybuffer(env, data, bytes, FreeScores, nullptr, &buffer);
  if (status == napi_ok) {
    request.scores.release();
  } else if (status == napi_no_external_buffers_allowed) {
    Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, bytes);
    if (bytes > 0) std::memcpy(copy.Data(), data, bytes);
    buffer = copy;
  } else {
    NAPI_THROW_IF_FAILED(env, status, Napi::Float32Array());
  }
  return Napi::Float32Array::New(env, count, Napi::ArrayBuffer(env, buffer), 0);
}

Napi::Object TimingsToJs(Napi::Env env, const engine::RequestTimings& timings) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("tokenizeMs", timings.tokenize_ms);
  out.Set("queueMs", timings.queue_ms);
  out.Set("inferenceMs", timings.inference_ms);
  out.Set("batches", static_cast<double>(timings.batches));
  out.Set("tokens", static_cast<double>(timings.tokens));
  out.Set("paddedTokens", static_cast<double>(timings.padded_tokens));
  return out;
}

}  // namespace

Napi::Function NativeReranker::Define(Napi::Env env) {
  return DefineClass(env, "NativeReranker",
                     {StaticMethod<&NativeReranker::Load>("load"), InstanceMethod<&NativeReranker::Info>("info"),
                      InstanceMethod<&NativeReranker::Score>("score"),
                      InstanceMethod<&NativeReranker::Cancel>("cancel"),
                      InstanceMethod<&NativeReranker::Stats>("stats"),
                      InstanceMethod<&NativeReranker::Close>("close")});
}

Napi::Value NativeReranker::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsObject()) {
      throw MakeError(env, ErrorCode::InvalidArgument, "load(options): options must be an object");
    }
    Napi::Object options = info[0].As<Napi::Object>();
    runtime::SessionConfig session;
    session.ort_library_path = RequireString(options, "ortLibraryPath");
    session.model_path = RequireString(options, "modelPath");
    const std::string device = OptionalString(options, "device", "cpu");
    if (device != "cpu" && device != "cuda") {
      throw MakeError(env, ErrorCode::InvalidArgument, "option 'device' must be 'cpu' or 'cuda', got '" + device + "'");
    }
    session.device = device == "cuda" ? runtime::Device::Cuda : runtime::Device::Cpu;
    session.device_id = static_cast<int>(OptionalInteger(options, "deviceId", 0, 0, 1024));
    session.intra_op_threads = static_cast<int>(OptionalInteger(options, "threads", 0, 0, 1024));
    session.num_labels_hint = OptionalInteger(options, "numLabels", 0, 0, 1 << 20);

    engine::EngineConfig engine;
    engine.max_length = static_cast<size_t>(OptionalInteger(options, "maxLength", 512, 1, 1 << 20));
    engine.truncation = ParseTruncation(env, OptionalString(options, "truncation", "longest_first"));
    const std::string activation = OptionalString(options, "activation", "");
    if (!activation.empty()) engine.activation = engine::ParseActivation(activation);
    engine.max_batch_tokens = static_cast<size_t>(OptionalInteger(options, "maxBatchTokens", 512, 1, 1 << 30));
    engine.max_batch_size = static_cast<size_t>(OptionalInteger(options, "maxBatchSize", 64, 1, 1 << 20));
    engine.tokenizer_threads = static_cast<int>(OptionalInteger(options, "tokenizerThreads", 1, 1, 256));
    engine.inference_lanes = static_cast<int>(OptionalInteger(options, "concurrency", 1, 1, 256));
    engine.max_queued_pairs = static_cast<size_t>(OptionalInteger(options, "maxQueuedPairs", 100000, 1, int64_t{1} << 40));

    auto* worker = new LoadWorker(env, RequireString(options, "tokenizerPath"), std::move(session), engine,
                                  !activation.empty());
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

NativeReranker::NativeReranker(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeReranker>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw MakeError(env, ErrorCode::InvalidArgument, "NativeReranker cannot be constructed directly; use load()");
  }
  model_.reset(info[0].As<Napi::External<LoadedModel>>().Data());
  events_ = EventTsfn::New(env, "crossrank:completions", 0, 1, this);
  events_.Unref(env);  // an idle reranker must not keep the process alive
  engine_ = std::make_unique<engine::Engine>(model_->tokenizer, model_->session, model_->engine,
                                             [this](std::shared_ptr<engine::Request> request) {
                                               if (events_.NonBlockingCall(new Event{std::move(request)}) != napi_ok) {
                                                 // Only when the environment is tearing down: nobody is left to notify.
                                               }
                                             });
  napi_add_env_cleanup_hook(env_, &NativeReranker::OnEnvTeardown, this);
}

NativeReranker::~NativeReranker() {
  napi_remove_env_cleanup_hook(env_, &NativeReranker::OnEnvTeardown, this);
  if (closer_.joinable()) closer_.join();
  if (engine_) engine_->Shutdown();
  engine_.reset();
  model_.reset();
  // After environment teardown Node has already disposed of the thread-safe function.
  if (!events_released_ && !env_torn_down_) events_.Release();
}

void NativeReranker::OnEnvTeardown(void* data) {
  // A worker thread or the process is exiting: stop our threads before the runtime goes away.
  auto* self = static_cast<NativeReranker*>(data);
  self->env_torn_down_ = true;
  if (self->closer_.joinable()) self->closer_.join();
  if (self->engine_) self->engine_->Shutdown();
}

Napi::Value NativeReranker::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!model_) throw MakeError(env, ErrorCode::Closed, "the reranker is closed");
  const runtime::ModelInfo& model = model_->session->info();
  Napi::Object out = Napi::Object::New(env);
  Napi::Array inputs = Napi::Array::New(env, model.input_names.size());
  for (size_t i = 0; i < model.input_names.size(); ++i) inputs.Set(i, model.input_names[i]);
  out.Set("inputNames", inputs);
  out.Set("outputName", model.output_name);
  out.Set("numLabels", Napi::Number::New(env, static_cast<double>(model.num_labels)));
  out.Set("ortVersion", model.ort_version);
  out.Set("ortLibraryPath", model.ort_library_path);
  out.Set("device", model.device);
  out.Set("padId", Napi::Number::New(env, model_->tokenizer->pad_id()));
  out.Set("activation", engine::ActivationName(model_->engine.activation));
  return out;
}

Napi::Value NativeReranker::Score(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closing_ || !engine_) throw MakeError(env, ErrorCode::Closed, "the reranker is closed");
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsNumber()) {
    throw MakeError(env, ErrorCode::InvalidArgument, "score(pairs, requestId): expected an array and a number");
  }
  const uint64_t id = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
  if (pending_.count(id)) throw MakeError(env, ErrorCode::InvalidArgument, "requestId is already in use");
  Napi::Array pairs = info[0].As<Napi::Array>();
  const uint32_t count = pairs.Length();
  std::vector<std::string> firsts, seconds;
  firsts.reserve(count);
  seconds.reserve(count);
  // The only work on the JS thread: copying the strings out as UTF-8.
  for (uint32_t i = 0; i < count; ++i) {
    Napi::Value pair = pairs.Get(i);
    Napi::Value first, second;
    if (pair.IsArray() && pair.As<Napi::Array>().Length() == 2) {
      first = pair.As<Napi::Array>().Get(0u);
      second = pair.As<Napi::Array>().Get(1u);
    }
    if (first.IsEmpty() || !first.IsString() || !second.IsString()) {
      throw MakeError(env, ErrorCode::InvalidArgument,
                      "pairs[" + std::to_string(i) + "] must be an array of two strings [query, document]");
    }
    firsts.push_back(first.As<Napi::String>().Utf8Value());
    seconds.push_back(second.As<Napi::String>().Utf8Value());
  }
  auto request = std::make_shared<engine::Request>(id, std::move(firsts), std::move(seconds),
                                                   static_cast<size_t>(model_->session->info().num_labels));
  request->want_timings = info.Length() >= 3 && info[2].ToBoolean().Value();
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  pending_.emplace(id, deferred);
  TrackPending(env, true);
  try {
    engine_->Submit(request);
  } catch (const Error& e) {
    pending_.erase(id);
    TrackPending(env, !pending_.empty());
    throw MakeError(env, e);
  }
  return deferred.Promise();
}

Napi::Value NativeReranker::Cancel(const Napi::CallbackInfo& info) {
  if (info.Length() >= 1 && info[0].IsNumber() && engine_) {
    engine_->Cancel(static_cast<uint64_t>(info[0].As<Napi::Number>().Int64Value()));
  }
  return info.Env().Undefined();
}

Napi::Value NativeReranker::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!engine_) throw MakeError(env, ErrorCode::Closed, "the reranker is closed");
  const engine::EngineStats stats = engine_->stats();
  Napi::Object out = Napi::Object::New(env);
  out.Set("callsCompleted", static_cast<double>(stats.calls_completed));
  out.Set("callsFailed", static_cast<double>(stats.calls_failed));
  out.Set("callsAborted", static_cast<double>(stats.calls_aborted));
  out.Set("callsRejectedQueueFull", static_cast<double>(stats.calls_rejected_queue_full));
  out.Set("pairsScored", static_cast<double>(stats.pairs_scored));
  out.Set("batches", static_cast<double>(stats.batches));
  out.Set("tokens", static_cast<double>(stats.tokens));
  out.Set("paddedTokens", static_cast<double>(stats.padded_tokens));
  out.Set("tokenizeMs", stats.tokenize_ms);
  out.Set("inferenceMs", stats.inference_ms);
  out.Set("queuedPairs", static_cast<double>(stats.queued_pairs));
  out.Set("activeCalls", static_cast<double>(stats.active_calls));
  return out;
}

Napi::Value NativeReranker::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (close_deferred_) return close_deferred_->Promise();
  close_deferred_ = std::make_unique<Napi::Promise::Deferred>(Napi::Promise::Deferred::New(env));
  closing_ = true;
  // Until close() settles, keep the process alive and this wrapper uncollected: lib/ drops its handle
  // at once, and the close event below still needs `this`.
  events_.Ref(env);
  Ref();
  // Shutdown joins threads that may be mid-batch, so it runs off the JS thread. Its rejections and
  // then the close marker travel the same queue, so pending calls reject before close() resolves.
  closer_ = std::thread([this] {
    engine_->Shutdown();
    events_.NonBlockingCall(new Event{nullptr});
  });
  return close_deferred_->Promise();
}

void NativeReranker::OnEvent(Napi::Env env, Napi::Function, NativeReranker* self, Event* event) {
  std::unique_ptr<Event> owned(event);
  if (env == nullptr || self == nullptr) return;  // tearing down
  if (owned->request) {
    self->Settle(env, owned->request);
  } else {
    self->FinishClose(env);
  }
}

void NativeReranker::Settle(Napi::Env env, const std::shared_ptr<engine::Request>& request) {
  auto it = pending_.find(request->id);
  if (it == pending_.end()) return;
  Napi::Promise::Deferred deferred = it->second;
  pending_.erase(it);
  Napi::HandleScope scope(env);
  if (request->error) {
    deferred.Reject(MakeError(env, *request->error).Value());
  } else {
    try {
      Napi::Float32Array scores = ScoresToJs(env, *request);
      if (request->want_timings) {
        Napi::Object detailed = Napi::Object::New(env);
        detailed.Set("scores", scores);
        detailed.Set("timings", TimingsToJs(env, request->timings));
        deferred.Resolve(detailed);
      } else {
        deferred.Resolve(scores);
      }
    } catch (const Napi::Error& e) {
      deferred.Reject(e.Value());
    }
  }
  TrackPending(env, !pending_.empty());
}

void NativeReranker::FinishClose(Napi::Env env) {
  if (closer_.joinable()) closer_.join();
  engine_.reset();
  model_.reset();  // releases the ORT session and the tokenizer now, not at garbage collection
  close_deferred_->Resolve(env.Undefined());
  Unref();
  if (!events_released_) {
    events_released_ = true;
    events_.Release();
  }
}

void NativeReranker::TrackPending(Napi::Env env, bool busy) {
  // While calls are pending the wrapper must not be collected and the process must not exit.
  if (busy && !referenced_) {
    referenced_ = true;
    Ref();
    events_.Ref(env);
  } else if (!busy && referenced_) {
    referenced_ = false;
    Unref();
    if (!closing_) events_.Unref(env);
  }
}

}  // namespace crossrank::addon

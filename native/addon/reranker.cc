#include "addon/reranker.h"

#include <cstring>
#include <future>

#include "addon/args.h"
#include "addon/errors.h"
#include "addon/module.h"
#include "addon/planning.h"
#include "engine/calibration.h"
#include "tokenizer/unicode/utf8.h"
#include "runtime/process_exit.h"

namespace crossrank::addon {

// Everything Load builds off the JS thread, handed to the constructor in one piece.
struct LoadedModel {
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;
  std::shared_ptr<const runtime::InferenceSession> session;
  engine::EngineConfig engine;
  // Where engine.cost_model came from: "given" (lib/'s cache), "calibrated" (measured by this load),
  // or "none" (greedy within the limits).
  std::string cost_model_source = "none";
  engine::Calibration calibration;  // when calibrated
};

namespace {

// Load's handoff to the constructor, which runs synchronously on the same thread (each environment
// has its own thread); empty at any other time, which is how the constructor refuses direct calls.
thread_local std::unique_ptr<LoadedModel> t_loaded;

// A tokenizer.json from another model loads fine and then fails every call whose text holds one of
// its larger ids; catch it at load, against both what config.json and what the graph say.
void CheckVocabularyFits(const tokenizer::Tokenizer& tokenizer, const runtime::ModelInfo& model,
                         int64_t config_vocab_size, const std::string& model_path) {
  const int64_t max_id = tokenizer.max_token_id();
  const std::string mismatch = "the tokenizer does not belong to this model: tokenizer.json has token ids up to " +
                               std::to_string(max_id) + " (" + std::to_string(max_id + 1) + " tokens), but ";
  if (model.embedding_rows > 0 && max_id >= model.embedding_rows) {
    throw Error(ErrorCode::InvalidModel, mismatch + "the graph's word embedding in " + model_path + " has " +
                                             std::to_string(model.embedding_rows) + " rows");
  }
  if (config_vocab_size > 0 && max_id >= config_vocab_size) {
    throw Error(ErrorCode::InvalidModel,
                mismatch + "config.json says vocab_size " + std::to_string(config_vocab_size));
  }
}

class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, std::string tokenizer_path, runtime::SessionConfig session, engine::EngineConfig engine,
             bool activation_given, int64_t config_vocab_size, std::optional<engine::PromptTemplate> prompt,
             bool calibrate, engine::BatchLimits fallback_limits)
      : Napi::AsyncWorker(env, "crossrank:load"),
        prompt_(std::move(prompt)),
        activation_given_(activation_given),
        calibrate_(calibrate),
        fallback_limits_(fallback_limits),
        config_vocab_size_(config_vocab_size),
        deferred_(Napi::Promise::Deferred::New(env)),
        tokenizer_path_(std::move(tokenizer_path)),
        session_config_(std::move(session)),
        engine_config_(engine) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  // Model loading is one-off and short next to a lifetime of scoring, so libuv's pool is fine here.
  void Execute() override {
    // Building a session cannot be interrupted, so a process exit waits for it to end.
    runtime::ExitBarrier exit_waits_for_this_load;
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
      std::shared_ptr<runtime::InferenceSession> session;
      try {
        session = std::make_shared<runtime::InferenceSession>(session_config_);
      } catch (...) {
        tokenizer.wait();  // never leave the tokenizer thread running past this worker
        throw;
      }
      model_->tokenizer = tokenizer.get();  // rethrows the tokenizer's error, if any
      CheckVocabularyFits(*model_->tokenizer, session->info(), config_vocab_size_, session_config_.model_path);
      model_->engine = engine_config_;
      if (prompt_) {
        auto prompt = std::make_shared<const engine::PromptBuilder>(*model_->tokenizer, std::move(*prompt_),
                                                                    engine_config_.max_length);
        session->SetAnswerTokens(prompt->yes_id(), prompt->no_id());
        model_->engine.prompt = std::move(prompt);
      }
      model_->session = std::move(session);
      if (!activation_given_) {
        // sentence-transformers' CrossEncoder default, once the graph has told the label count.
        model_->engine.activation =
            model_->session->info().num_labels == 1 ? engine::Activation::Sigmoid : engine::Activation::None;
      }
      if (model_->engine.cost_model) {
        model_->cost_model_source = "given";
      } else if (calibrate_ && !RunCalibration()) {
        model_->engine.limits = fallback_limits_;
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
    // The constructor takes the model from here; whatever it does not take (an environment that is
    // shutting down refuses new instances) is freed below. No Node-API object carries it, so nothing
    // is left for a dying environment to clean up.
    t_loaded = std::move(model_);
    try {
      deferred_.Resolve(AddonData::Get(env).reranker.New({}));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
    t_loaded.reset();
  }

  void OnError(const Napi::Error&) override { deferred_.Reject(MakeError(Env(), *error_).Value()); }

 private:
  std::optional<engine::PromptTemplate> prompt_;
  // A load never fails because of calibration: a model that cannot run a batch fails its first call
  // with the real error, and without a usable fit the planner packs greedily within the limits.
  bool RunCalibration() {
    // A second try when the first did not fit: a burst of other work rarely lasts through both.
    double spent = 0;
    for (int attempt = 0; attempt < 2 && !model_->calibration.model.usable(); ++attempt) {
      try {
        model_->calibration =
            engine::Calibrate(*model_->session, model_->tokenizer->pad_id(), model_->engine.max_length);
      } catch (const std::exception&) {
        return false;
      }
      spent += model_->calibration.ms;
    }
    model_->calibration.ms = spent;
    if (!model_->calibration.model.usable()) return false;
    model_->engine.cost_model = model_->calibration.model;
    model_->cost_model_source = "calibrated";
    return true;
  }

  bool activation_given_;
  bool calibrate_;
  engine::BatchLimits fallback_limits_;  // when calibration gives no usable model
  int64_t config_vocab_size_;
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

// Per pair: [window, start, end, dropped], start/end as JavaScript string indices into the document
// (see engine::ChunkChoice).
Napi::Uint32Array ChunksToJs(Napi::Env env, const engine::Request& request) {
  Napi::Uint32Array out = Napi::Uint32Array::New(env, request.chunks.size() * 4);
  for (size_t i = 0; i < request.chunks.size(); ++i) {
    const engine::ChunkChoice& c = request.chunks[i];
    const std::vector<uint32_t> at = tokenizer::utf8::Utf16Indices(request.seconds[i]);
    out[i * 4] = c.window;
    out[i * 4 + 1] = at[c.byte_start];
    out[i * 4 + 2] = at[c.byte_end];
    out[i * 4 + 3] = c.dropped;
  }
  return out;
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
    const std::string log_level = OptionalString(options, "logLevel", "off");
    const auto parsed_log_level = runtime::ParseLogLevel(log_level);
    if (!parsed_log_level) {
      throw MakeError(env, ErrorCode::InvalidArgument,
                      "option 'logLevel' must be 'off', 'fatal', 'error', 'warning', 'info' or 'verbose', got '" +
                          log_level + "'");
    }
    session.log_level = *parsed_log_level;
    session.graph_rewrite = OptionalBool(options, "graphRewrite", false);
    const int64_t config_vocab_size = OptionalInteger(options, "vocabSize", 0, 0, int64_t{1} << 40);

    engine::EngineConfig engine;
    engine.max_length = static_cast<size_t>(OptionalInteger(options, "maxLength", 512, 1, 1 << 20));
    engine.truncation = ParseTruncation(env, OptionalString(options, "truncation", "longest_first"));
    engine.direction = ParseTruncationDirection(env, OptionalString(options, "truncationDirection", "right"));
    const std::string activation = OptionalString(options, "activation", "");
    if (!activation.empty()) engine.activation = engine::ParseActivation(activation);
    engine.limits.max_batch_tokens = static_cast<size_t>(OptionalInteger(options, "maxBatchTokens", 512, 1, 1 << 30));
    engine.limits.max_batch_size = static_cast<size_t>(OptionalInteger(options, "maxBatchSize", 64, 1, 1 << 20));
    Napi::Value cost_model = options.Get("costModel");
    if (!cost_model.IsUndefined() && !cost_model.IsNull()) {
      engine.cost_model = CostModelFromJs(env, cost_model, "option 'costModel'");
    }
    const bool calibrate = OptionalBool(options, "calibrate", false);
    engine::BatchLimits fallback_limits;
    fallback_limits.max_batch_tokens = static_cast<size_t>(
        OptionalInteger(options, "fallbackMaxBatchTokens", static_cast<int64_t>(engine.limits.max_batch_tokens), 1, 1 << 30));
    fallback_limits.max_batch_size = static_cast<size_t>(
        OptionalInteger(options, "fallbackMaxBatchSize", static_cast<int64_t>(engine.limits.max_batch_size), 1, 1 << 20));
    engine.tokenizer_threads = static_cast<int>(OptionalInteger(options, "tokenizerThreads", 1, 1, 256));
    engine.inference_lanes = static_cast<int>(OptionalInteger(options, "concurrency", 1, 1, 256));
    engine.max_queued_pairs = static_cast<size_t>(OptionalInteger(options, "maxQueuedPairs", 100000, 1, int64_t{1} << 40));

    std::optional<engine::PromptTemplate> prompt;
    Napi::Value template_value = options.Get("template");
    if (template_value.IsObject()) {
      Napi::Object t = template_value.As<Napi::Object>();
      prompt = engine::PromptTemplate{RequireString(t, "prefix"), RequireString(t, "body"),
                                      RequireString(t, "suffix"), OptionalString(t, "instruction", ""),
                                      RequireString(t, "yes"),    OptionalString(t, "no", "")};
      session.decoder = true;
    }

    auto* worker = new LoadWorker(env, RequireString(options, "tokenizerPath"), std::move(session), engine,
                                  !activation.empty(), config_vocab_size, std::move(prompt), calibrate, fallback_limits);
    Napi::Promise promise = worker->Promise();
    worker->Queue();
    return promise;
  });
}

NativeReranker::NativeReranker(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeReranker>(info), env_(info.Env()) {
  Napi::Env env = info.Env();
  if (!t_loaded) {
    throw MakeError(env, ErrorCode::InvalidArgument, "NativeReranker cannot be constructed directly; use load()");
  }
  model_ = std::move(t_loaded);
  events_ = EventTsfn::New(env, "crossrank:completions", 0, 1, this);
  events_.Unref(env);  // an idle reranker must not keep the process alive
  engine_ = std::make_unique<engine::Engine>(model_->tokenizer, model_->session, model_->engine,
                                             [this](std::shared_ptr<engine::Request> request) { Post(std::move(request)); });
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
  out.Set("threadPool", model.thread_pool);
  out.Set("logitsType", model.logits_type);
  out.Set("inputMemory", model.input_memory);
  Napi::Object fused = Napi::Object::New(env);
  fused.Set("attention", Napi::Number::New(env, model.fused_attention));
  fused.Set("skipLayerNormalization", Napi::Number::New(env, model.fused_skip_layer_norm));
  out.Set("fusedOps", fused);
  out.Set("padId", Napi::Number::New(env, model_->tokenizer->pad_id()));
  out.Set("activation", engine::ActivationName(model_->engine.activation));
  out.Set("decoderOutput", runtime::DecoderOutputName(model.decoder_output));
  if (const auto& prompt = model_->engine.prompt) {
    Napi::Array answer = Napi::Array::New(env);
    answer.Set(0u, Napi::Number::New(env, static_cast<double>(prompt->yes_id())));
    if (prompt->no_id() >= 0) answer.Set(1u, Napi::Number::New(env, static_cast<double>(prompt->no_id())));
    out.Set("answerTokenIds", answer);
  }
  Napi::Object batching = Napi::Object::New(env);
  batching.Set("costModelSource", model_->cost_model_source);
  batching.Set("maxBatchTokens", static_cast<double>(model_->engine.limits.max_batch_tokens));
  batching.Set("maxBatchSize", static_cast<double>(model_->engine.limits.max_batch_size));
  const auto& cost_model = model_->engine.cost_model;
  batching.Set("costModel", cost_model ? Napi::Value(CostModelToJs(env, *cost_model)) : env.Null());
  batching.Set("calibrationMs", model_->calibration.ms);
  batching.Set("samples", CostSamplesToJs(env, model_->calibration.samples));
  const engine::BatchPlanner planner(model_->engine.limits, cost_model);
  batching.Set("bands", BandsToJs(env, planner, model_->engine.max_length));
  out.Set("batching", batching);
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
  if (info.Length() >= 4 && info[3].IsObject()) {
    Napi::Object options = info[3].As<Napi::Object>();
    engine::PairPolicy& policy = request->policy;
    policy.max_query_tokens = static_cast<size_t>(OptionalInteger(options, "maxQueryLength", 0, 0, 1 << 20));
    policy.chunk = OptionalBool(options, "chunk", false);
    policy.chunk_overlap = static_cast<size_t>(OptionalInteger(options, "chunkOverlap", 80, 0, 1 << 20));
    policy.max_chunks = static_cast<size_t>(OptionalInteger(options, "maxChunksPerDoc", 10, 1, 1 << 20));
    policy.max_document_tokens = static_cast<size_t>(OptionalInteger(options, "maxDocumentLength", 0, 0, 1 << 30));
    const std::string direction = OptionalString(options, "truncationDirection", "");
    if (!direction.empty()) policy.direction = ParseTruncationDirection(env, direction);
    Napi::Value instruction = options.Get("instruction");
    if (instruction.IsString()) policy.instruction = instruction.As<Napi::String>().Utf8Value();
    if (model_->engine.prompt && (policy.chunk || policy.max_query_tokens > 0)) {
      throw MakeError(env, ErrorCode::InvalidArgument,
                      "chunk and maxQueryLength are not available for decoder rerankers: their prompt is cut from the "
                      "end of the document");
    }
  }
  napi_deferred deferred;
  napi_value promise;
  NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &deferred, &promise), Napi::Value());
  pending_.emplace(id, deferred);
  TrackPending(env, true);
  try {
    engine_->Submit(request);
  } catch (const Error& e) {
    pending_.erase(id);
    TrackPending(env, !pending_.empty());
    // The call throws instead of returning the promise: settle it quietly so that it is freed
    // without an unhandled rejection.
    napi_resolve_deferred(env, deferred, env.Undefined());
    throw MakeError(env, e);
  }
  return Napi::Value(env, promise);
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
  out.Set("predictedMs", stats.predicted_ms);
  Napi::Array by_rows = Napi::Array::New(env, stats.batches_by_rows.size());
  for (size_t i = 0; i < stats.batches_by_rows.size(); ++i) by_rows.Set(i, static_cast<double>(stats.batches_by_rows[i]));
  out.Set("batchesByRows", by_rows);
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
    Post(nullptr);
  });
  return close_deferred_->Promise();
}

void NativeReranker::Post(std::shared_ptr<engine::Request> request) {
  auto event = std::make_unique<Event>(Event{std::move(request)});
  // Refused only while the environment shuts down: nobody is left to tell, and the event is freed here.
  if (events_.NonBlockingCall(event.get()) == napi_ok) event.release();
}

// Runs on the JS thread, or with a null env when the environment is gone and the queue is drained.
// Nothing may escape: an exception here would end the whole process, and an environment that is
// shutting down (a terminated worker) refuses every call that would run JavaScript.
void NativeReranker::OnEvent(Napi::Env env, Napi::Function, NativeReranker* self, Event* event) {
  std::unique_ptr<Event> owned(event);
  if (env == nullptr || self == nullptr || self->env_torn_down_) return;
  try {
    if (owned->request) {
      self->Settle(env, owned->request);
    } else {
      self->FinishClose(env);
    }
  } catch (...) {
    // The environment is shutting down: the promise stays unsettled, as nobody can observe it.
  }
}

void NativeReranker::Settle(Napi::Env env, const std::shared_ptr<engine::Request>& request) {
  auto it = pending_.find(request->id);
  if (it == pending_.end()) return;
  const napi_deferred deferred = it->second;
  pending_.erase(it);
  TrackPending(env, !pending_.empty());
  Napi::HandleScope scope(env);
  napi_value outcome = nullptr;
  bool ok = !request->error;
  try {
    if (request->error) {
      outcome = MakeError(env, *request->error).Value();
    } else {
      Napi::Float32Array scores = ScoresToJs(env, *request);
      if (request->want_timings || request->policy.chunk) {
        Napi::Object detailed = Napi::Object::New(env);
        detailed.Set("scores", scores);
        if (request->want_timings) detailed.Set("timings", TimingsToJs(env, request->timings));
        if (request->policy.chunk) detailed.Set("chunks", ChunksToJs(env, *request));
        outcome = detailed;
      } else {
        outcome = scores;
      }
    }
  } catch (const Napi::Error& e) {
    ok = false;
    outcome = e.Value();
  }
  // Statuses are ignored on purpose: they fail only when the environment can no longer run JavaScript.
  if (ok) {
    napi_resolve_deferred(env, deferred, outcome);
  } else if (outcome) {
    napi_reject_deferred(env, deferred, outcome);
  }
}

void NativeReranker::FinishClose(Napi::Env env) {
  if (closer_.joinable()) closer_.join();
  engine_.reset();
  model_.reset();  // releases the ORT session and the tokenizer now, not at garbage collection
  if (!events_released_) {
    events_released_ = true;
    events_.Release();
  }
  Unref();
  close_deferred_->Resolve(env.Undefined());
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

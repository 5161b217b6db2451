// The engine: its own threads (never libuv's pool) tokenize calls, plan batches across all pending
// calls, run them through the session and write each score into its call's buffer.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "engine/activation.h"
#include "engine/batch_planner.h"
#include "engine/prompt_template.h"
#include "engine/request.h"
#include "runtime/process_exit.h"
#include "runtime/session.h"
#include "tokenizer/tokenizer.h"

namespace crossrank::engine {

struct EngineConfig {
  size_t max_length = 512;
  tokenizer::TruncationStrategy truncation = tokenizer::TruncationStrategy::LongestFirst;
  tokenizer::TruncationDirection direction = tokenizer::TruncationDirection::Right;  // a call may override it
  Activation activation = Activation::Sigmoid;
  BatchLimits limits;
  // When set, the planner sizes batches by predicted time within `limits` (see batch_planner.h).
  std::optional<CostModel> cost_model;
  int tokenizer_threads = 1;
  int inference_lanes = 1;  // batches run concurrently on the one session
  // Backpressure: pairs accepted but not yet scored, across all calls. A call that would pass it is
  // rejected whole with ErrorCode::QueueFull; nothing is dropped silently.
  size_t max_queued_pairs = 100000;
  // Decoder rerankers: how a pair becomes its prompt (null for encoders, which use the pair encoding).
  std::shared_ptr<const PromptBuilder> prompt;
};

// Cumulative counters since the engine started; a snapshot.
struct EngineStats {
  uint64_t calls_completed = 0;
  uint64_t calls_failed = 0;   // any error: bad input, truncation, inference
  uint64_t calls_aborted = 0;
  uint64_t calls_rejected_queue_full = 0;
  uint64_t pairs_scored = 0;
  uint64_t batches = 0;
  uint64_t tokens = 0;         // real tokens run through the model
  uint64_t padded_tokens = 0;  // tokens computed, padding included
  double tokenize_ms = 0;
  double inference_ms = 0;
  // What the cost model predicted for the batches it planned (0 without one), against inference_ms.
  double predicted_ms = 0;
  // Batches by rows: [i] counts batches of 2^i to 2^(i+1)-1 rows (the last bucket takes the rest).
  std::array<uint64_t, 12> batches_by_rows{};
  size_t queued_pairs = 0;     // now: accepted, not yet scored
  size_t active_calls = 0;     // now
};

// Called exactly once per submitted request, from an engine thread (or from the thread calling
// Cancel/Shutdown), after request->error and timings are final.
using CompletionFn = std::function<void(std::shared_ptr<Request>)>;

class Engine {
 public:
  Engine(std::shared_ptr<const tokenizer::Tokenizer> tokenizer, std::shared_ptr<const runtime::InferenceSession> session,
         EngineConfig config, CompletionFn on_complete);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Throws crossrank::Error(Closed) after Shutdown.
  void Submit(std::shared_ptr<Request> request);
  // Completes the request with ErrorCode::Aborted unless it already completed. Its queued pairs are
  // dropped; a batch already running finishes and its scores for this request are discarded.
  void Cancel(uint64_t request_id);
  // Completes every unfinished request with ErrorCode::Closed and joins the threads. Idempotent.
  void Shutdown();

  const EngineConfig& config() const { return config_; }
  EngineStats stats() const;

 private:
  struct Active {
    std::shared_ptr<Request> request;
    std::vector<Unit> units;         // one per pair, or per document window with chunking
    std::vector<float> unit_scores;  // with chunking: every window's scores, reduced when all are in
    size_t unfinished = 0;           // units not yet scored
    bool done = false;
    bool started = false;
    std::chrono::steady_clock::time_point tokenized_at;
  };
  using ActivePtr = std::shared_ptr<Active>;

  void TokenizerLoop();
  void InferenceLoop(Ort::RunOptions* run_options);
  void Tokenize(ActivePtr active);
  void RunBatch(const std::vector<PlannedPair>& batch, std::vector<ActivePtr> owners, Ort::RunOptions* run_options);
  // Under mu_: marks the request finished with `error` (or success) and queues its completion.
  void FinishLocked(Active& active, std::optional<Error> error, std::vector<std::shared_ptr<Request>>& completed);
  // With chunking: each pair's score is its best window's (max over the first label).
  static void KeepBestWindows(Active& active, size_t num_labels);
  void Complete(std::vector<std::shared_ptr<Request>>& completed);

  const std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  const std::shared_ptr<const runtime::InferenceSession> session_;
  const EngineConfig config_;
  const CompletionFn on_complete_;
  const size_t num_labels_;
  const int32_t pad_id_;

  mutable std::mutex mu_;
  std::condition_variable tokenize_cv_;
  std::condition_variable inference_cv_;
  bool closed_ = false;
  std::deque<ActivePtr> to_tokenize_;
  std::unordered_map<uint64_t, ActivePtr> active_;
  BatchPlanner planner_;
  size_t queued_pairs_ = 0;  // pairs of active calls not yet scored
  EngineStats stats_;
  std::vector<std::thread> threads_;
  // One per inference lane; Shutdown sets their terminate flag so a running batch stops early.
  std::vector<std::unique_ptr<Ort::RunOptions>> lane_run_options_;
  std::mutex shutdown_mu_;  // serialises Shutdown callers so threads are joined once
  std::unique_ptr<runtime::ExitStopper> exit_stopper_;
  LiveCount<Engine> live_;  // process exit stops our threads before ORT's destructors
};

}  // namespace crossrank::engine

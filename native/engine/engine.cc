#include "engine/engine.h"

#include "common/thread_priority.h"

#include <algorithm>
#include <chrono>

namespace crossrank::engine {
namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

Engine::Engine(std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
               std::shared_ptr<const runtime::InferenceSession> session, EngineConfig config, CompletionFn on_complete)
    : tokenizer_(std::move(tokenizer)),
      session_(std::move(session)),
      config_(config),
      on_complete_(std::move(on_complete)),
      num_labels_(static_cast<size_t>(session_->info().num_labels)),
      pad_id_(tokenizer_->pad_id()),
      planner_(config.limits, config.cost_model) {
  for (int i = 0; i < std::max(1, config_.tokenizer_threads); ++i) threads_.emplace_back([this] { TokenizerLoop(); });
  for (int i = 0; i < std::max(1, config_.inference_lanes); ++i) {
    lane_run_options_.push_back(std::make_unique<Ort::RunOptions>());
    Ort::RunOptions* run_options = lane_run_options_.back().get();
    threads_.emplace_back([this, run_options] { InferenceLoop(run_options); });
  }
  exit_stopper_ = std::make_unique<runtime::ExitStopper>([this] { Shutdown(); });
}

Engine::~Engine() {
  exit_stopper_.reset();
  Shutdown();
}

void Engine::Submit(std::shared_ptr<Request> request) {
  auto active = std::make_shared<Active>();
  active->request = std::move(request);
  active->unfinished = active->request->size();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) throw Error(ErrorCode::Closed, "the reranker is closed");
    const size_t size = active->request->size();
    if (queued_pairs_ + size > config_.max_queued_pairs) {
      ++stats_.calls_rejected_queue_full;
      throw Error(ErrorCode::QueueFull,
                  size > config_.max_queued_pairs
                      ? "the call has " + std::to_string(size) + " pairs, more than maxQueuedPairs (" +
                            std::to_string(config_.max_queued_pairs) + "); split it or raise maxQueuedPairs"
                      : "the queue is full: " + std::to_string(queued_pairs_) + " pairs are waiting and this call adds " +
                            std::to_string(size) + " (maxQueuedPairs " + std::to_string(config_.max_queued_pairs) +
                            "); retry later");
    }
    queued_pairs_ += size;
    active_.emplace(active->request->id, active);
    to_tokenize_.push_back(std::move(active));
  }
  tokenize_cv_.notify_one();
}

void Engine::Cancel(uint64_t request_id) {
  std::vector<std::shared_ptr<Request>> completed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(request_id);
    if (it == active_.end()) return;
    FinishLocked(*it->second, Error(ErrorCode::Aborted, "the operation was aborted"), completed);
  }
  Complete(completed);
}

void Engine::Shutdown() {
  std::lock_guard<std::mutex> shutdown_lock(shutdown_mu_);
  std::vector<std::shared_ptr<Request>> completed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ && threads_.empty()) return;
    closed_ = true;
    std::vector<ActivePtr> unfinished;
    for (auto& entry : active_) unfinished.push_back(entry.second);
    for (auto& active : unfinished) {
      FinishLocked(*active, Error(ErrorCode::Closed, "the reranker was closed before this call finished"), completed);
    }
    to_tokenize_.clear();
    // Batches already running belong to calls that were just rejected: stop them rather than wait.
    for (auto& run_options : lane_run_options_) run_options->SetTerminate();
  }
  tokenize_cv_.notify_all();
  inference_cv_.notify_all();
  Complete(completed);
  // Threads finish the batch they are running (its results are discarded) and exit.
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void Engine::FinishLocked(Active& active, std::optional<Error> error,
                          std::vector<std::shared_ptr<Request>>& completed) {
  if (active.done) return;
  active.done = true;
  queued_pairs_ -= active.unfinished;
  if (!error) {
    ++stats_.calls_completed;
  } else if (error->code() == ErrorCode::Aborted) {
    ++stats_.calls_aborted;
  } else if (error->code() != ErrorCode::Closed) {
    ++stats_.calls_failed;
  }
  active.request->error = std::move(error);
  planner_.Remove(active.request->id);
  completed.push_back(active.request);
  // Last: the map may hold the only reference to `active`, so erasing it can destroy it.
  active_.erase(completed.back()->id);
}

void Engine::Complete(std::vector<std::shared_ptr<Request>>& completed) {
  for (auto& request : completed) on_complete_(std::move(request));
  completed.clear();
}

void Engine::TokenizerLoop() {
  LowerCurrentThreadPriority();
  for (;;) {
    ActivePtr active;
    {
      std::unique_lock<std::mutex> lock(mu_);
      tokenize_cv_.wait(lock, [this] { return closed_ || !to_tokenize_.empty(); });
      if (closed_) return;
      active = std::move(to_tokenize_.front());
      to_tokenize_.pop_front();
      if (active->done) continue;  // cancelled while queued
    }
    Tokenize(std::move(active));
  }
}

void Engine::Tokenize(ActivePtr owned) {
  Active& active = *owned;
  const Request& request = *active.request;
  const auto start = Clock::now();
  std::vector<Unit> units;
  units.reserve(request.size());
  std::vector<Windowing> windowing(request.policy.chunk ? request.size() : 0);
  std::optional<Error> failure;
  tokenizer::EncodeOptions options;
  options.max_length = config_.max_length;
  options.truncation = config_.truncation;
  options.direction = request.policy.direction.value_or(config_.direction);
  std::optional<PairBuilder> builder;
  if (request.policy.uses_builder() && !config_.prompt) {
    builder.emplace(*tokenizer_, config_.max_length, config_.truncation, options.direction, request.policy);
  }
  Windowing unused;
  for (size_t i = 0; i < request.size(); ++i) {
    try {
      const std::string_view second = request.seconds[i];
      if (config_.prompt) {
        const std::optional<std::string>& instruction = request.policy.instruction;
        units.push_back(config_.prompt->Build(static_cast<uint32_t>(i), request.firsts[i], second,
                                              instruction ? &*instruction : nullptr, options.direction));
      } else if (builder) {
        builder->Build(static_cast<uint32_t>(i), request.firsts[i], second, &units,
                       windowing.empty() ? &unused : &windowing[i]);
      } else {
        tokenizer::Encoding encoding = tokenizer_->Encode(request.firsts[i], &second, options);
        units.push_back(Unit{std::move(encoding.ids), std::move(encoding.type_ids), static_cast<uint32_t>(i), Window{}});
      }
    } catch (const tokenizer::TruncationError& e) {
      failure = Error(ErrorCode::Truncation, "pairs[" + std::to_string(i) + "]: " + e.what());
      break;
    } catch (const std::exception& e) {
      failure = Error(ErrorCode::InvalidArgument, "pairs[" + std::to_string(i) + "]: " + e.what());
      break;
    }
  }
  std::vector<PlannedPair> planned(units.size());
  for (size_t u = 0; u < units.size(); ++u) {
    planned[u] = PlannedPair{request.id, static_cast<uint32_t>(u), static_cast<uint32_t>(units[u].ids.size())};
  }

  std::vector<std::shared_ptr<Request>> completed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    active.request->timings.tokenize_ms = MillisSince(start);
    stats_.tokenize_ms += active.request->timings.tokenize_ms;
    if (active.done) {  // cancelled or closed meanwhile
      owned.reset();
      return;
    }
    if (failure) {
      FinishLocked(active, std::move(failure), completed);
    } else if (request.size() == 0) {
      FinishLocked(active, std::nullopt, completed);
    } else {
      // Windows are units of work like pairs: queued, scored and counted the same way.
      queued_pairs_ += units.size() - active.unfinished;
      active.unfinished = units.size();
      if (request.policy.chunk) {
        active.unit_scores.assign(units.size() * num_labels_, 0.0f);
        active.request->chunks.resize(request.size());
        for (size_t i = 0; i < request.size(); ++i) active.request->chunks[i].dropped = windowing[i].dropped;
      }
      active.units = std::move(units);
      active.tokenized_at = Clock::now();
      planner_.Add(request.id, planned);
    }
    // Let go while the lock is held: once it is released the call may finish on another thread, and
    // a settled call must own no engine memory (active_ or `completed` keeps what is still needed).
    owned.reset();
  }
  if (!completed.empty()) {
    Complete(completed);
  } else {
    inference_cv_.notify_one();
  }
}

void Engine::InferenceLoop(Ort::RunOptions* run_options) {
  LowerCurrentThreadPriority();
  for (;;) {
    std::vector<PlannedPair> batch;
    std::vector<ActivePtr> owners;  // parallel to batch; keeps each call's tokens alive while running
    {
      std::unique_lock<std::mutex> lock(mu_);
      inference_cv_.wait(lock, [this] { return closed_ || !planner_.empty(); });
      if (closed_) return;
      batch = planner_.Next();
      const auto now = Clock::now();
      for (const PlannedPair& pair : batch) {
        ActivePtr& owner = owners.emplace_back(active_.at(pair.request));
        if (!owner->started) {
          owner->started = true;
          owner->request->timings.queue_ms = std::chrono::duration<double, std::milli>(now - owner->tokenized_at).count();
        }
      }
      // Another lane may take the next batch while this one runs.
      if (!planner_.empty()) inference_cv_.notify_one();
    }
    RunBatch(batch, std::move(owners), run_options);
  }
}

void Engine::RunBatch(const std::vector<PlannedPair>& batch, std::vector<ActivePtr> owners,
                      Ort::RunOptions* run_options) {
  const size_t rows = batch.size();
  size_t seq_len = 0;
  for (size_t r = 0; r < rows; ++r) seq_len = std::max(seq_len, owners[r]->units[batch[r].index].ids.size());

  // Pad to the batch's longest pair: pad id, type 0, mask 0 (padding never reaches the scores).
  std::vector<int64_t> ids(rows * seq_len, pad_id_);
  std::vector<int64_t> mask(rows * seq_len, 0);
  std::vector<int64_t> types(session_->info().uses_token_type_ids ? rows * seq_len : 0, 0);
  for (size_t r = 0; r < rows; ++r) {
    const Unit& pair = owners[r]->units[batch[r].index];
    std::copy(pair.ids.begin(), pair.ids.end(), ids.begin() + r * seq_len);
    std::fill_n(mask.begin() + r * seq_len, pair.ids.size(), 1);
    if (!types.empty()) std::copy(pair.type_ids.begin(), pair.type_ids.end(), types.begin() + r * seq_len);
  }

  std::vector<float> logits(rows * num_labels_);
  std::optional<Error> failure;
  const auto start = Clock::now();
  try {
    runtime::BatchTensors tensors{ids.data(), mask.data(), types.empty() ? nullptr : types.data(), rows, seq_len};
    session_->Run(tensors, logits.data(), run_options);
  } catch (const Error& e) {
    failure = e;
  } catch (const std::exception& e) {
    failure = Error(ErrorCode::Inference, e.what());
  }
  const double elapsed_ms = MillisSince(start);

  std::vector<std::shared_ptr<Request>> completed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure) {
      stats_.batches += 1;
      stats_.inference_ms += elapsed_ms;
      stats_.padded_tokens += rows * seq_len;
      if (planner_.model()) stats_.predicted_ms += planner_.model()->Predict(rows, seq_len);
      size_t bucket = 0;
      while ((rows >> (bucket + 1)) != 0 && bucket + 1 < stats_.batches_by_rows.size()) ++bucket;
      stats_.batches_by_rows[bucket] += 1;
    }
    std::vector<const Active*> counted;  // each call's batch count and time, once per batch
    for (size_t r = 0; r < rows; ++r) {
      Active& owner = *owners[r];
      if (owner.done) continue;
      if (failure) {
        FinishLocked(owner, failure, completed);
        continue;
      }
      Request& request = *owner.request;
      if (std::find(counted.begin(), counted.end(), &owner) == counted.end()) {
        counted.push_back(&owner);
        request.timings.batches += 1;
        request.timings.inference_ms += elapsed_ms;
      }
      float* row = (owner.unit_scores.empty() ? request.scores.get() : owner.unit_scores.data()) +
                   static_cast<size_t>(batch[r].index) * num_labels_;
      std::copy_n(logits.data() + r * num_labels_, num_labels_, row);
      ApplyActivation(config_.activation, row, num_labels_);
      request.timings.tokens += owner.units[batch[r].index].ids.size();
      request.timings.padded_tokens += seq_len;
      stats_.tokens += owner.units[batch[r].index].ids.size();
      stats_.pairs_scored += 1;
      --queued_pairs_;
      if (--owner.unfinished == 0) {
        if (!owner.unit_scores.empty()) KeepBestWindows(owner, num_labels_);
        FinishLocked(owner, std::nullopt, completed);
      }
    }
  }
  // The batch's hold on its calls ends before they are reported, so a settled call owns no memory here.
  owners.clear();
  Complete(completed);
}

void Engine::KeepBestWindows(Active& active, size_t num_labels) {
  Request& request = *active.request;
  std::vector<bool> seen(request.size(), false);
  for (size_t u = 0; u < active.units.size(); ++u) {
    const Unit& unit = active.units[u];
    const float* scores = active.unit_scores.data() + u * num_labels;
    float* best = request.scores.get() + static_cast<size_t>(unit.pair) * num_labels;
    if (seen[unit.pair] && !(scores[0] > best[0])) continue;  // ties keep the earlier window
    seen[unit.pair] = true;
    std::copy_n(scores, num_labels, best);
    ChunkChoice& choice = request.chunks[unit.pair];
    choice.window = unit.window.index;
    choice.token_start = unit.window.token_start;
    choice.token_end = unit.window.token_end;
    choice.byte_start = unit.window.byte_start;
    choice.byte_end = unit.window.byte_end;
  }
}

EngineStats Engine::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  EngineStats snapshot = stats_;
  snapshot.queued_pairs = queued_pairs_;
  snapshot.active_calls = active_.size();
  return snapshot;
}

}  // namespace crossrank::engine

// The planner's cost model in JavaScript: the shape lib/ caches and reports on `info.batching`, and
// internal exports that run the real planner and fit on given numbers (for tests of the policy).
#pragma once

#include <napi.h>

#include <vector>

#include "engine/batch_planner.h"
#include "engine/cost_model.h"

namespace crossrank::addon {

// { perBatchMs, perRowMs, perTokenMs, perAttentionMs }: finite and non-negative, else InvalidArgument.
engine::CostModel CostModelFromJs(Napi::Env env, const Napi::Value& value, const char* name);
Napi::Object CostModelToJs(Napi::Env env, const engine::CostModel& model);
Napi::Array CostSamplesToJs(Napi::Env env, const std::vector<engine::CostSample>& samples);
// What the planner does with uniform lengths up to max_length: [{ length, rows, tokens, msPerPair }].
Napi::Array BandsToJs(Napi::Env env, const engine::BatchPlanner& planner, size_t max_length);

// planBatches(calls: number[][] (each pair's token count), { maxBatchTokens, maxBatchSize, costModel? })
//   -> Array<Array<[call, index]>>: every batch the planner makes until the calls are drained.
Napi::Value PlanBatches(const Napi::CallbackInfo& info);
// fitCostModel(samples: Array<{ rows, length, ms }>) -> costModel
Napi::Value FitCostModelJs(const Napi::CallbackInfo& info);

}  // namespace crossrank::addon

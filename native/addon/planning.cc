#include "addon/planning.h"

#include <cmath>
#include <string>

#include "addon/args.h"
#include "addon/errors.h"

namespace crossrank::addon {
namespace {

constexpr const char* kTerms[] = {"perBatchMs", "perRowMs", "perTokenMs", "perAttentionMs"};

double NonNegative(Napi::Env env, const Napi::Object& object, const char* key, const std::string& name) {
  Napi::Value value = object.Get(key);
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1;
  if (!std::isfinite(number) || number < 0) {
    throw MakeError(env, ErrorCode::InvalidArgument, name + "." + key + " must be a finite number >= 0");
  }
  return number;
}

// The token counts of one call: positive integers.
std::vector<engine::PlannedPair> CallFromJs(Napi::Env env, const Napi::Value& value, uint64_t call) {
  const std::string name = "calls[" + std::to_string(call) + "]";
  if (!value.IsArray()) throw MakeError(env, ErrorCode::InvalidArgument, name + " must be an array of token counts");
  Napi::Array lengths = value.As<Napi::Array>();
  std::vector<engine::PlannedPair> pairs;
  for (uint32_t i = 0; i < lengths.Length(); ++i) {
    Napi::Value length = lengths.Get(i);
    const double number = length.IsNumber() ? length.As<Napi::Number>().DoubleValue() : 0;
    if (!(number >= 1 && number <= (1 << 20)) || std::floor(number) != number) {
      throw MakeError(env, ErrorCode::InvalidArgument,
                      name + "[" + std::to_string(i) + "] must be an integer from 1 to " + std::to_string(1 << 20));
    }
    pairs.push_back(engine::PlannedPair{call, i, static_cast<uint32_t>(number)});
  }
  return pairs;
}

}  // namespace

engine::CostModel CostModelFromJs(Napi::Env env, const Napi::Value& value, const char* name) {
  if (!value.IsObject()) throw MakeError(env, ErrorCode::InvalidArgument, std::string(name) + " must be an object");
  Napi::Object object = value.As<Napi::Object>();
  return engine::CostModel{NonNegative(env, object, kTerms[0], name), NonNegative(env, object, kTerms[1], name),
                           NonNegative(env, object, kTerms[2], name), NonNegative(env, object, kTerms[3], name)};
}

Napi::Object CostModelToJs(Napi::Env env, const engine::CostModel& model) {
  Napi::Object out = Napi::Object::New(env);
  out.Set(kTerms[0], model.per_batch);
  out.Set(kTerms[1], model.per_row);
  out.Set(kTerms[2], model.per_token);
  out.Set(kTerms[3], model.per_attention);
  return out;
}

Napi::Array CostSamplesToJs(Napi::Env env, const std::vector<engine::CostSample>& samples) {
  Napi::Array out = Napi::Array::New(env, samples.size());
  for (size_t i = 0; i < samples.size(); ++i) {
    Napi::Object sample = Napi::Object::New(env);
    sample.Set("rows", static_cast<double>(samples[i].rows));
    sample.Set("length", static_cast<double>(samples[i].length));
    sample.Set("ms", samples[i].ms);
    out.Set(i, sample);
  }
  return out;
}

Napi::Array BandsToJs(Napi::Env env, const engine::BatchPlanner& planner, size_t max_length) {
  Napi::Array out = Napi::Array::New(env);
  for (size_t length = 16;; length *= 2) {
    const size_t band = std::min(length, max_length);
    const size_t rows = planner.RowsFor(static_cast<uint32_t>(band));
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("length", static_cast<double>(band));
    entry.Set("rows", static_cast<double>(rows));
    entry.Set("tokens", static_cast<double>(rows * band));
    if (planner.model()) {
      entry.Set("msPerPair", planner.model()->Predict(rows, band) / static_cast<double>(rows));
    } else {
      entry.Set("msPerPair", env.Null());
    }
    out.Set(out.Length(), entry);
    if (band == max_length) break;
  }
  return out;
}

Napi::Value PlanBatches(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsObject()) {
      throw MakeError(env, ErrorCode::InvalidArgument, "planBatches(calls, options): expected an array and an object");
    }
    Napi::Object options = info[1].As<Napi::Object>();
    engine::BatchLimits limits;
    limits.max_batch_tokens = static_cast<size_t>(OptionalInteger(options, "maxBatchTokens", 512, 1, 1 << 30));
    limits.max_batch_size = static_cast<size_t>(OptionalInteger(options, "maxBatchSize", 64, 1, 1 << 20));
    std::optional<engine::CostModel> model;
    Napi::Value given = options.Get("costModel");
    if (!given.IsUndefined() && !given.IsNull()) model = CostModelFromJs(env, given, "options.costModel");
    engine::BatchPlanner planner(limits, model);
    Napi::Array calls = info[0].As<Napi::Array>();
    for (uint32_t c = 0; c < calls.Length(); ++c) planner.Add(c, CallFromJs(env, calls.Get(c), c));
    Napi::Array batches = Napi::Array::New(env);
    while (!planner.empty()) {
      const std::vector<engine::PlannedPair> batch = planner.Next();
      Napi::Array out = Napi::Array::New(env, batch.size());
      for (size_t i = 0; i < batch.size(); ++i) {
        Napi::Array pair = Napi::Array::New(env, 2);
        pair.Set(0u, static_cast<double>(batch[i].request));
        pair.Set(1u, static_cast<double>(batch[i].index));
        out.Set(i, pair);
      }
      batches.Set(batches.Length(), out);
    }
    return batches;
  });
}

Napi::Value FitCostModelJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Guard(env, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsArray()) {
      throw MakeError(env, ErrorCode::InvalidArgument, "fitCostModel(samples): expected an array");
    }
    Napi::Array given = info[0].As<Napi::Array>();
    std::vector<engine::CostSample> samples;
    for (uint32_t i = 0; i < given.Length(); ++i) {
      if (!given.Get(i).IsObject()) {
        throw MakeError(env, ErrorCode::InvalidArgument, "samples[" + std::to_string(i) + "] must be an object");
      }
      Napi::Object sample = given.Get(i).As<Napi::Object>();
      samples.push_back(engine::CostSample{static_cast<size_t>(OptionalInteger(sample, "rows", 0, 1, 1 << 20)),
                                           static_cast<size_t>(OptionalInteger(sample, "length", 0, 1, 1 << 20)),
                                           NonNegative(env, sample, "ms", "samples[" + std::to_string(i) + "]")});
    }
    return CostModelToJs(env, engine::FitCostModel(samples));
  });
}

}  // namespace crossrank::addon

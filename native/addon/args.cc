#include "addon/args.h"

#include <cmath>

#include "addon/errors.h"

namespace crossrank::addon {
namespace {

[[noreturn]] void Invalid(Napi::Env env, const char* key, const std::string& expected) {
  throw MakeError(env, ErrorCode::InvalidArgument, std::string("option '") + key + "' must be " + expected);
}

}  // namespace

std::string RequireString(const Napi::Object& options, const char* key) {
  Napi::Value value = options.Get(key);
  if (!value.IsString()) Invalid(options.Env(), key, "a string");
  return value.As<Napi::String>().Utf8Value();
}

std::string OptionalString(const Napi::Object& options, const char* key, const std::string& fallback) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined() || value.IsNull()) return fallback;
  if (!value.IsString()) Invalid(options.Env(), key, "a string");
  return value.As<Napi::String>().Utf8Value();
}

int64_t OptionalInteger(const Napi::Object& options, const char* key, int64_t fallback, int64_t min, int64_t max) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined() || value.IsNull()) return fallback;
  const std::string range = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!value.IsNumber()) Invalid(options.Env(), key, range);
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number || number < static_cast<double>(min) ||
      number > static_cast<double>(max)) {
    Invalid(options.Env(), key, range);
  }
  return static_cast<int64_t>(number);
}

bool OptionalBool(const Napi::Object& options, const char* key, bool fallback) {
  Napi::Value value = options.Get(key);
  if (value.IsUndefined() || value.IsNull()) return fallback;
  if (!value.IsBoolean()) Invalid(options.Env(), key, "a boolean");
  return value.As<Napi::Boolean>().Value();
}

}  // namespace crossrank::addon

// Reading option objects handed over by lib/, which has already validated them for users; these
// checks only keep a direct caller of the binding from crashing the process.
#pragma once

#include <napi.h>

#include <string>

namespace crossrank::addon {

std::string RequireString(const Napi::Object& options, const char* key);
std::string OptionalString(const Napi::Object& options, const char* key, const std::string& fallback);
int64_t OptionalInteger(const Napi::Object& options, const char* key, int64_t fallback, int64_t min, int64_t max);
bool OptionalBool(const Napi::Object& options, const char* key, bool fallback);

}  // namespace crossrank::addon

#include "addon/errors.h"

namespace crossrank::addon {

Napi::Error MakeError(Napi::Env env, ErrorCode code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, ErrorCodeName(code)));
  return error;
}

Napi::Error MakeError(Napi::Env env, const Error& error) { return MakeError(env, error.code(), error.what()); }

}  // namespace crossrank::addon

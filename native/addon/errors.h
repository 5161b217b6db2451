// How native errors reach JavaScript: a plain Error whose `code` lib/ turns into a CrossrankError.
#pragma once

#include <napi.h>

#include "common/error.h"

namespace crossrank::addon {

Napi::Error MakeError(Napi::Env env, ErrorCode code, const std::string& message);
Napi::Error MakeError(Napi::Env env, const Error& error);

// Runs `body`, converting crossrank::Error and std::exception into JS exceptions with a code.
template <typename Body>
auto Guard(Napi::Env env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throw MakeError(env, e);
  } catch (const std::exception& e) {
    throw MakeError(env, ErrorCode::InvalidArgument, e.what());
  }
}

}  // namespace crossrank::addon

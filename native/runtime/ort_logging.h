// ONNX Runtime's log lines never reach the user's stderr on their own: a library must not print. The
// process-wide environment sends every line to one sink, which writes it (prefixed "crossrank:") only
// when the session it came from asked for that level; errors already reach callers as typed errors.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <onnxruntime_cxx_api.h>

namespace crossrank::runtime {

enum class LogLevel { Off, Fatal, Error, Warning, Info, Verbose };

// "off" | "fatal" | "error" | "warning" | "info" | "verbose".
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// CROSSRANK_LOG_LEVEL, for the lines ORT logs outside any session; Off when unset or invalid.
LogLevel ProcessLogLevel();

// The severity ORT should filter at, so that lines nobody will print are not even formatted.
OrtLoggingLevel OrtSeverityFor(LogLevel level);

// Passed to Ort::Env as its logging function.
void OrtLogSink(void* param, OrtLoggingLevel severity, const char* category, const char* logid,
                const char* code_location, const char* message);

// One session's log id and level, known to the sink while the registration lives.
class SessionLogId {
 public:
  explicit SessionLogId(LogLevel level);
  ~SessionLogId();
  SessionLogId(const SessionLogId&) = delete;
  SessionLogId& operator=(const SessionLogId&) = delete;

  const std::string& id() const { return id_; }
  LogLevel level() const { return level_; }

 private:
  std::string id_;
  LogLevel level_;
};

}  // namespace crossrank::runtime

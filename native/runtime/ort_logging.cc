#include "runtime/ort_logging.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

namespace crossrank::runtime {
namespace {

// Leaked on purpose: ORT may log from its own threads while statics are being destroyed.
struct Registry {
  std::mutex mu;
  std::unordered_map<std::string, LogLevel> levels;
};

Registry& Sessions() {
  static Registry* registry = new Registry();
  return *registry;
}

std::atomic<uint64_t> g_next_session{1};

const char* SeverityName(OrtLoggingLevel severity) {
  switch (severity) {
    case ORT_LOGGING_LEVEL_VERBOSE: return "verbose";
    case ORT_LOGGING_LEVEL_INFO: return "info";
    case ORT_LOGGING_LEVEL_WARNING: return "warning";
    case ORT_LOGGING_LEVEL_ERROR: return "error";
    case ORT_LOGGING_LEVEL_FATAL: return "fatal";
  }
  return "log";
}

// A line passes when the level asked for is at least as verbose as the line's severity.
bool Passes(LogLevel level, OrtLoggingLevel severity) {
  return level != LogLevel::Off && OrtSeverityFor(level) <= severity;
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "off") return LogLevel::Off;
  if (name == "fatal") return LogLevel::Fatal;
  if (name == "error") return LogLevel::Error;
  if (name == "warning") return LogLevel::Warning;
  if (name == "info") return LogLevel::Info;
  if (name == "verbose") return LogLevel::Verbose;
  return std::nullopt;
}

LogLevel ProcessLogLevel() {
  // Read once: getenv on ORT's threads would race the event loop's setenv (process.env writes).
  static const LogLevel level = [] {
    const char* value = std::getenv("CROSSRANK_LOG_LEVEL");
    return value ? ParseLogLevel(value).value_or(LogLevel::Off) : LogLevel::Off;
  }();
  return level;
}

OrtLoggingLevel OrtSeverityFor(LogLevel level) {
  switch (level) {
    case LogLevel::Verbose: return ORT_LOGGING_LEVEL_VERBOSE;
    case LogLevel::Info: return ORT_LOGGING_LEVEL_INFO;
    case LogLevel::Warning: return ORT_LOGGING_LEVEL_WARNING;
    case LogLevel::Error: return ORT_LOGGING_LEVEL_ERROR;
    case LogLevel::Fatal:
    case LogLevel::Off: return ORT_LOGGING_LEVEL_FATAL;
  }
  return ORT_LOGGING_LEVEL_FATAL;
}

void OrtLogSink(void*, OrtLoggingLevel severity, const char*, const char* logid, const char* code_location,
                const char* message) {
  LogLevel level = ProcessLogLevel();
  if (logid) {
    Registry& registry = Sessions();
    std::lock_guard<std::mutex> lock(registry.mu);
    auto it = registry.levels.find(logid);
    if (it != registry.levels.end()) level = it->second;
  }
  if (!Passes(level, severity)) return;
  std::string line = "crossrank: onnxruntime ";
  line += SeverityName(severity);
  if (code_location && *code_location) line += std::string(" [") + code_location + "]";
  line += ": ";
  line += message ? message : "";
  line += '\n';
  // One write, so lines from several threads do not interleave.
  ssize_t ignored = write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

SessionLogId::SessionLogId(LogLevel level)
    : id_("crossrank-session-" + std::to_string(g_next_session.fetch_add(1))), level_(level) {
  Registry& registry = Sessions();
  std::lock_guard<std::mutex> lock(registry.mu);
  registry.levels.emplace(id_, level_);
}

SessionLogId::~SessionLogId() {
  Registry& registry = Sessions();
  std::lock_guard<std::mutex> lock(registry.mu);
  registry.levels.erase(id_);
}

}  // namespace crossrank::runtime

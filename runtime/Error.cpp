//===- Error.cpp - the process-wide logger ---------------------------------===//

#include "lacc/Error.h"

#include <cstdio>
#include <mutex>

namespace lacc {

namespace {
std::mutex &loggerMutex() {
  static std::mutex m;
  return m;
}
Logger &currentLogger() {
  static Logger logger;
  return logger;
}
} // namespace

Logger setLogger(Logger logger) {
  std::lock_guard<std::mutex> lock(loggerMutex());
  std::swap(currentLogger(), logger);
  return logger;
}

void log(LogLevel level, const std::string &message) {
  std::lock_guard<std::mutex> lock(loggerMutex());
  if (currentLogger()) {
    currentLogger()(level, message);
    return;
  }
  // One fprintf per message, so lines from threads do not interleave.
  std::fprintf(stderr, "lacc: %s%s\n", level == LogLevel::Warning ? "warning: " : "",
               message.c_str());
}

} // namespace lacc

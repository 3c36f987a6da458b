//===- lacc/Error.h - the runtime's one exception type and its logger ------===//
//
// Every failure the runtime reports to a caller is a lacc::Error whose message
// is meant to be read by a person: it names the kernel, the parameter or the
// driver call that failed. Things that are not the caller's fault and do not
// stop the work (a corrupt disk-cache entry that is then rebuilt) go to the
// logger instead, which writes to stderr unless the application installs one.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_ERROR_H
#define LACC_ERROR_H

#include <functional>
#include <stdexcept>
#include <string>

namespace lacc {

class Error : public std::runtime_error {
public:
  enum class Kind {
    NoDriver,   // libcuda.so.1 could not be loaded
    NoDevice,   // no CUDA device, or a context created without one
    Cuda,       // a driver call failed
    Compile,    // the kernel did not compile (front-end diagnostics, code generation)
    Argument,   // a launch argument, the grid, or a const value is wrong
    IO,         // a file could not be read
    Execution,  // the interpreter stopped the kernel: an access outside every buffer, a
                // division by zero, ... (the message names the op, its location and program)
  };

  Error(Kind kind, const std::string &message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

private:
  Kind kind_;
};

enum class LogLevel { Info, Warning };

/// Receives the runtime's warnings (e.g. "corrupt cache entry ... rebuilt").
using Logger = std::function<void(LogLevel, const std::string &)>;

/// Installs `logger` for the whole process and returns the previous one. An
/// empty logger restores the default, which prints "lacc: warning: ..." to stderr.
Logger setLogger(Logger logger);

/// Sends one message to the current logger (thread-safe).
void log(LogLevel level, const std::string &message);

} // namespace lacc

#endif // LACC_ERROR_H

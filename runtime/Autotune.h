//===- Autotune.h - the pieces of autotuning that know no kernel -*- C++ -*-===//
//
// Runtime.cpp decides what to tune and keeps the choices (KernelState::chosen);
// these are the parts it uses that need nothing of a kernel: keeping the
// buffers a run writes, timing runs with CUDA events, and printing.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_AUTOTUNE_H
#define LACC_RUNTIME_AUTOTUNE_H

#include "lacc/Compiler.h"
#include "runtime/Driver.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lacc::detail {

/// Copies of the allocations that tuning runs write (@autotune's restore=), taken before the
/// first run and put back before each, so that every run starts from the caller's data and
/// nothing is accumulated twice. An argument may point into its allocation: the whole
/// allocation (cuMemGetAddressRange) is kept.
class SavedBuffers {
public:
  /// `pointers`: (parameter name, address) of each buffer. Throws lacc::Error, naming
  /// `kernel` and the parameter, when an address is not in device memory or the copy does
  /// not fit. The copies are queued on `stream`.
  SavedBuffers(const Driver &d, CUstream stream, const std::string &kernel,
               const std::vector<std::pair<std::string, uint64_t>> &pointers);
  /// Waits for `stream`, then frees the copies.
  ~SavedBuffers();
  SavedBuffers(const SavedBuffers &) = delete;
  SavedBuffers &operator=(const SavedBuffers &) = delete;

  /// Queues the copies back on the stream.
  void restore() const;
  bool empty() const { return saved_.empty(); }

private:
  struct Saved {
    CUdeviceptr base = 0, copy = 0;
    size_t bytes = 0;
  };
  const Driver &d_;
  CUstream stream_;
  std::vector<Saved> saved_;
};

/// The median time in milliseconds of `run` (one launch on `stream`), measured by CUDA events
/// around each run after a warm-up; `before` puts the inputs back outside the timed region.
/// Runs enough times to fill a few tens of milliseconds (at least 5, at most 100). Throws
/// lacc::Error when a run or the driver fails.
double medianMs(const Driver &d, CUstream stream, const std::function<void()> &before,
                const std::function<void()> &run);

/// LACC_PRINT_AUTOTUNING is set to something other than "" or "0".
bool printAutotuningFromEnv();

/// An argument's value from its bits in the parameter buffer: "512", "-1", "0.5".
std::string argumentText(const Param &p, uint64_t bits);

/// "0.0412 ms".
std::string msText(double ms);

/// The first line of a (possibly multi-line) message, for one-line tables.
std::string firstLine(const std::string &message);

} // namespace lacc::detail

#endif // LACC_RUNTIME_AUTOTUNE_H

//===- InterpBackend.h - the runtime's door to the CPU interpreter -*- C++ -*-===//
//
// An interpreting Context (ContextOptions::interpret, LACC_INTERPRET=1) runs
// kernels here instead of on the GPU: the front end turns the source into tile
// IR, runtime/interp lowers it once per specialization, and every launch runs
// it over the grid on host memory. Like Compiler.cpp, InterpBackend.cpp holds
// MLIR and is built without exceptions: failures come back as (false, error).
// This header has neither, so Runtime.cpp stays cheap to compile.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_INTERPBACKEND_H
#define LACC_RUNTIME_INTERPBACKEND_H

#include "lacc/Compiler.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lacc::detail {

/// A kernel ready for the interpreter; immutable, shared by concurrent launches.
struct InterpretedKernel;

/// Host memory a kernel may touch: the live buffers of interpreting contexts.
struct HostBuffer {
  void *data;
  size_t bytes;
};

/// Runs the front end on `request` and lowers the kernel for the interpreter.
/// `params` is the kernel's signature as the runtime parsed it; the tile IR
/// must agree with it. `descriptors` gets the kernel's tensor descriptors (which the launch
/// checks). False with the diagnostics in `error`.
bool compileForInterpreter(const CompileRequest &request, const std::vector<Param> &params,
                           std::shared_ptr<const InterpretedKernel> &out,
                           std::vector<TensorDescriptor> &descriptors, std::string &error);

/// Runs `kernel` over `grid` with the arguments as the launch encoded them for
/// the GPU (bits[i]: parameter i's bytes, little-endian), so that both
/// executors see the same values; memory accesses are checked against
/// `buffers`. False on the first error, which names the op, its location
/// and the program.
bool runOnInterpreter(const InterpretedKernel &kernel, std::array<uint32_t, 3> grid,
                      const uint64_t *bits, const std::vector<HostBuffer> &buffers,
                      std::string &error);

} // namespace lacc::detail

#endif // LACC_RUNTIME_INTERPBACKEND_H

//===- lacc/Ptxas.h - ptxas's report on a kernel's resources ---*- C++ -*-===//
//
// Registers, spills, stack and shared memory decide how many programs share
// a multiprocessor and whether a config is worth timing at all. ptxas says it
// with -v; the driver's JIT says the same with CU_JIT_LOG_VERBOSE:
//
//   ptxas info    : Compiling entry function 'gemm' for 'sm_90a'
//   ptxas info    : Function properties for gemm
//       368 bytes stack frame, 376 bytes spill stores, 364 bytes spill loads
//   ptxas info    : Used 255 registers, used 1 barriers, 368 bytes cumulative stack size
//
//===----------------------------------------------------------------------===//

#ifndef LACC_PTXAS_H
#define LACC_PTXAS_H

#include "lacc/Compiler.h"

#include <map>
#include <string>

namespace lacc {

/// The report of every function that `log` (ptxas -v's output, or the driver JIT's verbose
/// info log) describes, by name.
std::map<std::string, PtxasReport> parsePtxasLog(const std::string &log);

/// $CUDA_HOME/bin/ptxas, else /usr/local/cuda/bin/ptxas, whichever is executable first; empty
/// when neither is, with `looked` saying where it looked.
std::string findPtxas(std::string &looked);

/// Assembles `ptx` for `arch` with `ptxas -v` in a temporary directory (removed after) and
/// returns its output in `log`. False when ptxas cannot be run or rejects the PTX, with the
/// reason (ptxas's own messages) in `error`. Never throws.
bool runPtxas(const std::string &ptxas, const std::string &ptx, const std::string &arch,
              std::string &log, std::string &error);

} // namespace lacc

#endif // LACC_PTXAS_H

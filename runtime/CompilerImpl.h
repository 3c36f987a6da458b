//===- CompilerImpl.h - the no-exceptions side of the compiler boundary -*- C++ -*-===//
//
// Compiler.cpp calls lacc::compile() (compiler/Compile.h), which reports
// failures as diagnostics, never exceptions; these entry points pass them on
// through `error`, and the runtime turns that into a lacc::Error.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_COMPILERIMPL_H
#define LACC_RUNTIME_COMPILERIMPL_H

#include "lacc/Compiler.h"

namespace lacc {
struct DescriptorMetadata;
} // namespace lacc

namespace lacc::detail {

/// The compiler's description of a kernel's tensor descriptors, in the runtime's terms.
std::vector<TensorDescriptor> toRuntime(const std::vector<DescriptorMetadata> &descriptors);


/// Front end, then code generation. False with the diagnostics in `error`.
bool compileKernelNoThrow(const CompileRequest &request, CompiledKernel &out, std::string &error);


/// Front end only: the parameter list of the tile IR's func.func.
bool kernelParametersNoThrow(const CompileRequest &request, std::vector<Param> &out,
                             std::string &error);

} // namespace lacc::detail

#endif // LACC_RUNTIME_COMPILERIMPL_H

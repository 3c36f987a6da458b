//===- EmbeddedKernels.h - kernels/*.tile, built into the library -*- C++ -*-===//
//
// The table is generated at build time by runtime/EmbedKernels.cmake; the
// public side is lacc::embeddedKernelSource and Context::loadEmbedded.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_EMBEDDEDKERNELS_H
#define LACC_RUNTIME_EMBEDDEDKERNELS_H

#include <cstddef>

namespace lacc::detail {

struct EmbeddedFile {
  const char *name; // "vector_add.tile"
  const char *text;
};

/// Sorted by name; kNumEmbeddedKernels entries, then a null one.
extern const EmbeddedFile kEmbeddedKernels[];
extern const size_t kNumEmbeddedKernels;

} // namespace lacc::detail

#endif // LACC_RUNTIME_EMBEDDEDKERNELS_H

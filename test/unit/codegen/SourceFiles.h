//===- SourceFiles.h - repository files built into CodegenTests -*- C++ -*-===//
//
// The kernels and the doc the codegen tests read, as they were at build time
// (EmbedSourceFiles.cmake), so that the program holds no path of the source
// tree and runs from anywhere (test/tools/relocatable.test).
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TEST_CODEGEN_SOURCEFILES_H
#define LACC_TEST_CODEGEN_SOURCEFILES_H

#include <string>

namespace lacc::test {

/// The text of `path`, relative to the repository root ("docs/tilegpu.md"), or null when
/// CMakeLists.txt does not embed it.
const char *sourceFile(const std::string &path);

} // namespace lacc::test

#endif // LACC_TEST_CODEGEN_SOURCEFILES_H

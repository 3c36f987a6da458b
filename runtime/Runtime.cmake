# The runtime library: lacc::Context/Module/Kernel, the memory and disk caches,
# the CUDA driver loaded at run time, and the cache tool. Included from
# runtime/CMakeLists.txt.
#
# Two libraries, because of exceptions: LaccRuntime is built with them (its
# errors are lacc::Error), LaccRuntimeCompiler holds the files that include
# MLIR (the compiler, and the interpreter's front end) and is built without
# them, like MLIR.
if(NOT LACC_CUDA_INCLUDE_DIR)
  message(STATUS "cuda.h not found: the lacc runtime is not built (set CUDA_HOME)")
  return()
endif()

add_library(LaccRuntimeCompiler STATIC ${CMAKE_CURRENT_SOURCE_DIR}/Compiler.cpp
                                       ${CMAKE_CURRENT_SOURCE_DIR}/InterpBackend.cpp)
llvm_update_compile_flags(LaccRuntimeCompiler) # -fno-exceptions, as the compiler it calls
add_dependencies(LaccRuntimeCompiler LaccTileIncGen)
target_include_directories(LaccRuntimeCompiler PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
target_link_libraries(LaccRuntimeCompiler PUBLIC LaccCompiler LaccSyntax LaccInterp)

# compilerVersion(): a hash of the compiler's sources, regenerated when one changes.
file(GLOB_RECURSE LACC_COMPILER_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/compiler/*.cpp ${PROJECT_SOURCE_DIR}/compiler/*.h
     ${PROJECT_SOURCE_DIR}/compiler/*.td ${PROJECT_SOURCE_DIR}/dialects/*.cpp
     ${PROJECT_SOURCE_DIR}/dialects/*.h ${PROJECT_SOURCE_DIR}/dialects/*.td)
list(APPEND LACC_COMPILER_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/Compiler.cpp)
list(SORT LACC_COMPILER_SOURCES)
string(REPLACE ";" "\n" _lacc_list "${LACC_COMPILER_SOURCES}")
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/CompilerSources.txt.new "${_lacc_list}\n")
file(COPY_FILE ${CMAKE_CURRENT_BINARY_DIR}/CompilerSources.txt.new
     ${CMAKE_CURRENT_BINARY_DIR}/CompilerSources.txt ONLY_IF_DIFFERENT)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/CompilerVersion.cpp
  COMMAND ${CMAKE_COMMAND} -DLIST=${CMAKE_CURRENT_BINARY_DIR}/CompilerSources.txt
          -DOUT=${CMAKE_CURRENT_BINARY_DIR}/CompilerVersion.cpp
          -DVERSION=lacc-0.1/llvm-${LLVM_PACKAGE_VERSION} -DROOT=${PROJECT_SOURCE_DIR}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/CompilerVersion.cmake
  DEPENDS ${LACC_COMPILER_SOURCES} ${CMAKE_CURRENT_BINARY_DIR}/CompilerSources.txt
          ${CMAKE_CURRENT_SOURCE_DIR}/CompilerVersion.cmake
  COMMENT "Hashing the compiler sources for the kernel cache key")

# kernels/*.tile as string literals (lacc::embeddedKernelSource), regenerated when one changes,
# so that no program reads the source tree it was built from.
file(GLOB_RECURSE LACC_KERNEL_FILES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/*.tile)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/EmbeddedKernels.cpp
  COMMAND ${CMAKE_COMMAND} -DDIR=${PROJECT_SOURCE_DIR}/kernels
          -DOUT=${CMAKE_CURRENT_BINARY_DIR}/EmbeddedKernels.cpp
          -P ${CMAKE_CURRENT_SOURCE_DIR}/EmbedKernels.cmake
  DEPENDS ${LACC_KERNEL_FILES} ${CMAKE_CURRENT_SOURCE_DIR}/EmbedKernels.cmake
  COMMENT "Embedding kernels/*.tile in the runtime library")

find_package(Threads REQUIRED)
add_library(LaccRuntime STATIC
  ${CMAKE_CURRENT_SOURCE_DIR}/Autotune.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/CacheTool.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/DiskCache.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/Driver.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/Error.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/Ptxas.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/Runtime.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/Signature.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/Types.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/ops/Lightning.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/nn/TNLKernels.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/nn/TNLLayer.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/nn/TNLModel.cpp
  ${CMAKE_CURRENT_BINARY_DIR}/CompilerVersion.cpp
  ${CMAKE_CURRENT_BINARY_DIR}/EmbeddedKernels.cpp)
target_compile_options(LaccRuntime PRIVATE -fexceptions)
target_include_directories(LaccRuntime
  PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
  PRIVATE ${LACC_CUDA_INCLUDE_DIR})
target_link_libraries(LaccRuntime PUBLIC LaccRuntimeCompiler LaccSyntax LLVMSupport
                      Threads::Threads ${CMAKE_DL_LIBS})

# The runtime's programs (benchmark, cache tool) live in tools/bench; added from
# here so that they are defined exactly when the runtime is.
add_subdirectory(${PROJECT_SOURCE_DIR}/tools/bench ${CMAKE_BINARY_DIR}/tools/bench)

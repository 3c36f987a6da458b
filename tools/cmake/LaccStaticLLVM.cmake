# Debian builds LLVM with LLVM_LINK_LLVM_DYLIB=ON, so every exported static MLIR target names
# "LLVM" (libLLVM-22.so) among its link libraries. Replace it by the static component archives so
# that lacc and the test binaries need no LLVM on the machine they run on (the GPU machine).
option(LACC_STATIC_LLVM "Link MLIR/LLVM statically" ON)
set(LACC_LLVM_COMPONENTS
    Core Support Passes IPO Linker IRReader BitReader BitWriter AsmParser
    Target TargetParser MC Object FrontendOpenMP FrontendOffloading
    NVPTXCodeGen NVPTXDesc NVPTXInfo
    CACHE STRING "LLVM components substituted for the LLVM dylib")

if(LACC_STATIC_LLVM)
  set(LLVM_LINK_LLVM_DYLIB OFF)
  llvm_map_components_to_libnames(LACC_LLVM_STATIC_LIBS ${LACC_LLVM_COMPONENTS})
  foreach(target IN LISTS MLIR_EXPORTED_TARGETS)
    if(NOT TARGET ${target})
      continue()
    endif()
    get_target_property(type ${target} TYPE)
    get_target_property(libs ${target} INTERFACE_LINK_LIBRARIES)
    if(NOT type STREQUAL "STATIC_LIBRARY" OR NOT libs)
      continue()
    endif()
    list(TRANSFORM libs REPLACE "^LLVM$" "${LACC_LLVM_STATIC_LIBS}")
    set_target_properties(${target} PROPERTIES INTERFACE_LINK_LIBRARIES "${libs}")
  endforeach()
  add_link_options(-static-libstdc++ -static-libgcc)
endif()

# LLVMSupport's interface names zstd::libzstd_shared, which Debian's LLVMConfig finds only when
# libzstd-dev is installed.
if(NOT TARGET zstd::libzstd_shared)
  find_library(LACC_ZSTD_LIB NAMES zstd libzstd.so.1 REQUIRED)
  add_library(zstd::libzstd_shared UNKNOWN IMPORTED)
  set_target_properties(zstd::libzstd_shared PROPERTIES IMPORTED_LOCATION "${LACC_ZSTD_LIB}")
endif()

//===- Driver.h - the CUDA driver API, loaded at run time -------*- C++ -*-===//
//
// lacc never links libcuda: it dlopen()s libcuda.so.1 on first use, so the
// library and the tools run on machines with no GPU and say so clearly when
// something needs one. cuda.h is included for its types only, and dlsym() looks
// up the versioned names (cuMemAlloc_v2, ...) that its macros map to.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_DRIVER_H
#define LACC_RUNTIME_DRIVER_H

#include <cuda.h>

#include <string>

namespace lacc::detail {

struct Driver {
  CUresult (*cuInit)(unsigned);
  CUresult (*cuDriverGetVersion)(int *);
  CUresult (*cuDeviceGetCount)(int *);
  CUresult (*cuDeviceGet)(CUdevice *, int);
  CUresult (*cuDeviceGetName)(char *, int, CUdevice);
  CUresult (*cuDeviceGetAttribute)(int *, CUdevice_attribute, CUdevice);
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice); // _v2
  CUresult (*cuCtxSetCurrent)(CUcontext);
  CUresult (*cuCtxGetCurrent)(CUcontext *);
  CUresult (*cuCtxSynchronize)();
  CUresult (*cuModuleLoadDataEx)(CUmodule *, const void *, unsigned, CUjit_option *, void **);
  CUresult (*cuModuleUnload)(CUmodule);
  CUresult (*cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*cuFuncSetAttribute)(CUfunction, CUfunction_attribute, int);
  CUresult (*cuFuncGetAttribute)(int *, CUfunction_attribute, CUfunction);
  CUresult (*cuMemAlloc)(CUdeviceptr *, size_t);                  // _v2
  CUresult (*cuMemFree)(CUdeviceptr);                             // _v2
  CUresult (*cuMemcpyHtoD)(CUdeviceptr, const void *, size_t);    // _v2
  CUresult (*cuMemcpyDtoH)(void *, CUdeviceptr, size_t);          // _v2
  CUresult (*cuMemsetD8)(CUdeviceptr, unsigned char, size_t);     // _v2
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream); // _v2
  CUresult (*cuMemGetAddressRange)(CUdeviceptr *, size_t *, CUdeviceptr);    // _v2
  CUresult (*cuLaunchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned,
                             unsigned, unsigned, CUstream, void **, void **);
  CUresult (*cuStreamSynchronize)(CUstream);
  CUresult (*cuEventCreate)(CUevent *, unsigned);
  CUresult (*cuEventDestroy)(CUevent); // _v2
  CUresult (*cuEventRecord)(CUevent, CUstream);
  CUresult (*cuEventSynchronize)(CUevent);
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent); // _v2 where the driver has it
  CUresult (*cuGetErrorName)(CUresult, const char **);
  CUresult (*cuGetErrorString)(CUresult, const char **);
  /// Null where the driver predates CUDA 12 (no TMA): kernels with tensor maps then fail to
  /// launch with a message that says so.
  CUresult (*cuTensorMapEncodeTiled)(CUtensorMap *, CUtensorMapDataType, cuuint32_t, void *,
                                     const cuuint64_t *, const cuuint64_t *, const cuuint32_t *,
                                     const cuuint32_t *, CUtensorMapInterleave,
                                     CUtensorMapSwizzle, CUtensorMapL2promotion,
                                     CUtensorMapFloatOOBfill);

  /// The process-wide driver, loaded and cuInit()ed on first call. Throws
  /// lacc::Error(NoDriver) "no CUDA driver found (libcuda.so.1): <dlerror>",
  /// or lacc::Error(NoDevice) when cuInit finds no device.
  static const Driver &get();
};

/// "CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
std::string cudaErrorText(const Driver &d, CUresult r);

/// Throws lacc::Error(Cuda) "<what>: CUDA_ERROR_... (text)" unless r is CUDA_SUCCESS.
void check(const Driver &d, CUresult r, const char *what);

} // namespace lacc::detail

#endif // LACC_RUNTIME_DRIVER_H

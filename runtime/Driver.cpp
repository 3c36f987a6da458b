//===- Driver.cpp - dlopen libcuda.so.1 and resolve the driver API ---------===//

#include "runtime/Driver.h"

#include "lacc/Error.h"

#include <dlfcn.h>

#include <mutex>

namespace lacc::detail {

namespace {
/// The outcome of loading the driver, computed once per process: either a
/// usable Driver or the error every later call rethrows.
struct Loaded {
  Driver driver{};
  bool ok = false;
  Error::Kind kind = Error::Kind::NoDriver;
  std::string error;
};

template <class F> bool resolve(void *lib, const char *name, F &fn, std::string &missing) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  if (!fn && missing.empty())
    missing = name;
  return fn != nullptr;
}

Loaded load() {
  Loaded l;
  // RTLD_LOCAL: the driver's symbols stay out of the global namespace.
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    l.error = std::string("no CUDA driver found (libcuda.so.1): ") + (why ? why : "unknown error");
    return l;
  }
  Driver &d = l.driver;
  std::string missing;
  resolve(lib, "cuInit", d.cuInit, missing);
  resolve(lib, "cuDriverGetVersion", d.cuDriverGetVersion, missing);
  resolve(lib, "cuDeviceGetCount", d.cuDeviceGetCount, missing);
  resolve(lib, "cuDeviceGet", d.cuDeviceGet, missing);
  resolve(lib, "cuDeviceGetName", d.cuDeviceGetName, missing);
  resolve(lib, "cuDeviceGetAttribute", d.cuDeviceGetAttribute, missing);
  resolve(lib, "cuDevicePrimaryCtxRetain", d.cuDevicePrimaryCtxRetain, missing);
  resolve(lib, "cuDevicePrimaryCtxRelease_v2", d.cuDevicePrimaryCtxRelease, missing);
  resolve(lib, "cuCtxSetCurrent", d.cuCtxSetCurrent, missing);
  resolve(lib, "cuCtxGetCurrent", d.cuCtxGetCurrent, missing);
  resolve(lib, "cuCtxSynchronize", d.cuCtxSynchronize, missing);
  resolve(lib, "cuModuleLoadDataEx", d.cuModuleLoadDataEx, missing);
  resolve(lib, "cuModuleUnload", d.cuModuleUnload, missing);
  resolve(lib, "cuModuleGetFunction", d.cuModuleGetFunction, missing);
  resolve(lib, "cuFuncSetAttribute", d.cuFuncSetAttribute, missing);
  resolve(lib, "cuFuncGetAttribute", d.cuFuncGetAttribute, missing);
  resolve(lib, "cuMemAlloc_v2", d.cuMemAlloc, missing);
  resolve(lib, "cuMemFree_v2", d.cuMemFree, missing);
  resolve(lib, "cuMemcpyHtoD_v2", d.cuMemcpyHtoD, missing);
  resolve(lib, "cuMemcpyDtoH_v2", d.cuMemcpyDtoH, missing);
  resolve(lib, "cuMemsetD8_v2", d.cuMemsetD8, missing);
  resolve(lib, "cuMemcpyDtoDAsync_v2", d.cuMemcpyDtoDAsync, missing);
  resolve(lib, "cuMemGetAddressRange_v2", d.cuMemGetAddressRange, missing);
  resolve(lib, "cuLaunchKernel", d.cuLaunchKernel, missing);
  resolve(lib, "cuStreamSynchronize", d.cuStreamSynchronize, missing);
  resolve(lib, "cuEventCreate", d.cuEventCreate, missing);
  resolve(lib, "cuEventDestroy_v2", d.cuEventDestroy, missing);
  resolve(lib, "cuEventRecord", d.cuEventRecord, missing);
  resolve(lib, "cuEventSynchronize", d.cuEventSynchronize, missing);
  // cuda.h maps cuEventElapsedTime to _v2 (drivers of CUDA 12.8 and later); older ones have
  // only the first version, with the same signature.
  std::string noV2;
  if (!resolve(lib, "cuEventElapsedTime_v2", d.cuEventElapsedTime, noV2))
    resolve(lib, "cuEventElapsedTime", d.cuEventElapsedTime, missing);
  resolve(lib, "cuGetErrorName", d.cuGetErrorName, missing);
  resolve(lib, "cuGetErrorString", d.cuGetErrorString, missing);
  std::string optional;
  if (!resolve(lib, "cuTensorMapEncodeTiled", d.cuTensorMapEncodeTiled, optional))
    d.cuTensorMapEncodeTiled = nullptr;
  if (!missing.empty()) {
    l.error = "the CUDA driver (libcuda.so.1) has no '" + missing +
              "': it is too old for lacc; update the NVIDIA driver";
    return l;
  }
  CUresult r = d.cuInit(0);
  if (r != CUDA_SUCCESS) {
    l.kind = r == CUDA_ERROR_NO_DEVICE ? Error::Kind::NoDevice : Error::Kind::Cuda;
    l.error = (r == CUDA_ERROR_NO_DEVICE ? "no CUDA device: cuInit: " : "cuInit: ") +
              cudaErrorText(d, r);
    return l;
  }
  l.ok = true;
  return l; // the library stays loaded for the life of the process
}
} // namespace

const Driver &Driver::get() {
  static const Loaded loaded = load(); // thread-safe, once
  if (!loaded.ok)
    throw Error(loaded.kind, loaded.error);
  return loaded.driver;
}

std::string cudaErrorText(const Driver &d, CUresult r) {
  const char *name = nullptr, *text = nullptr;
  if (d.cuGetErrorName(r, &name) != CUDA_SUCCESS || !name)
    name = "CUDA_ERROR_UNKNOWN";
  if (d.cuGetErrorString(r, &text) != CUDA_SUCCESS || !text)
    text = "unrecognized error code";
  return std::string(name) + " (" + text + ", code " + std::to_string(static_cast<int>(r)) + ")";
}

void check(const Driver &d, CUresult r, const char *what) {
  if (r != CUDA_SUCCESS)
    throw Error(Error::Kind::Cuda, std::string(what) + " failed: " + cudaErrorText(d, r));
}

} // namespace lacc::detail

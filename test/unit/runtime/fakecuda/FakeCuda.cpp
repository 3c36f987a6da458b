//===- FakeCuda.cpp - a libcuda.so.1 stand-in for testing the driver path ---===//
//
// Just enough of the driver API for the runtime's GPU path to run on a machine
// without a GPU: host memory stands in for device memory, modules are PTX
// strings, and every launch is recorded so that tests can check the grid, the
// block, the shared memory and the exact bytes of every kernel parameter.
// Tests reach the recording through fake_*() functions (dlsym).
//
// Markers in a module's PTX (the tests' compile functions write them) say what
// ptxas would have made of it and what a launch does:
//   fake-regs=N      N registers per thread (default 32), which limits the block
//   fake-spill=N     N bytes of spill stores and loads (default 0)
//   fake-add-one=I   each launch adds 1 to the int32 that parameter I points to
//                    (and records the value it found, fake_added_to)
// Time is virtual: every launch advances a clock by its kernel's time (1 ms,
// or what fake_set_kernel_time gave the first marker its PTX contains), and
// events read the clock. Like the real driver, it may be called from several
// threads; the current context is per thread.
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {
struct FakeModule {
  std::string ptx;
};
struct FakeFunction {
  std::string name;
  std::string ptx;
  int maxDynamicShared = 48 * 1024;
};
struct Launch {
  unsigned grid[3], block[3], shared;
  std::vector<unsigned long long> params; // first 8 bytes of each
  int32_t addedTo = 0;                     // the value fake-add-one found
};
std::recursive_mutex mutex; // guards everything below but `current`
thread_local CUcontext current = nullptr;
int primaryRefs = 0, modulesLoaded = 0, modulesUnloaded = 0;
std::vector<Launch> launches;
int nextParams = 0; // how many parameters the next launches pass
std::map<CUdeviceptr, size_t> allocations;
double clockMs = 0;
std::vector<std::pair<std::string, double>> kernelTimes; // PTX marker -> ms per launch

#define LOCKED std::lock_guard<std::recursive_mutex> lock(mutex)

/// The number after `marker` in `ptx`, or `otherwise`.
int markerValue(const std::string &ptx, const char *marker, int otherwise) {
  size_t at = ptx.find(marker);
  return at == std::string::npos ? otherwise : std::atoi(ptx.c_str() + at + std::strlen(marker));
}
int registersOf(const std::string &ptx) { return markerValue(ptx, "fake-regs=", 32); }
int spillOf(const std::string &ptx) { return markerValue(ptx, "fake-spill=", 0); }

double kernelTime(const std::string &ptx) {
  for (const auto &[marker, ms] : kernelTimes)
    if (ptx.find(marker) != std::string::npos)
      return ms;
  return 1.0;
}

bool knownCode(CUresult r, const char **name, const char **text) {
  switch (r) {
  case CUDA_SUCCESS: *name = "CUDA_SUCCESS"; *text = "no error"; return true;
  case CUDA_ERROR_INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; *text = "invalid argument"; return true;
  case CUDA_ERROR_OUT_OF_MEMORY: *name = "CUDA_ERROR_OUT_OF_MEMORY"; *text = "out of memory"; return true;
  case CUDA_ERROR_INVALID_PTX: *name = "CUDA_ERROR_INVALID_PTX"; *text = "a PTX JIT compilation failed"; return true;
  case CUDA_ERROR_NOT_FOUND: *name = "CUDA_ERROR_NOT_FOUND"; *text = "named symbol not found"; return true;
  case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: *name = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"; *text = "too many resources requested for launch"; return true;
  default: return false;
  }
}
} // namespace

extern "C" {

// --- inspection, for the tests ---
int fake_primary_refs() { LOCKED; return primaryRefs; }
int fake_modules_loaded() { LOCKED; return modulesLoaded; }
int fake_modules_unloaded() { LOCKED; return modulesUnloaded; }
int fake_launch_count() { LOCKED; return int(launches.size()); }
void fake_set_param_count(int n) { LOCKED; nextParams = n; }
const unsigned *fake_last_launch_dims() { LOCKED; return launches.back().grid; } // grid[3], block[3], shared
unsigned long long fake_last_param(int i) { LOCKED; return launches.back().params.at(i); }
int fake_added_to(int launch) { LOCKED; return launches.at(launch).addedTo; }
int fake_dynamic_shared_limit(CUfunction f) { return reinterpret_cast<FakeFunction *>(f)->maxDynamicShared; }
size_t fake_live_allocations() { LOCKED; return allocations.size(); }
/// Launches of a kernel whose PTX contains `marker` take `ms` (the first marker that matches).
void fake_set_kernel_time(const char *marker, double ms) { LOCKED; kernelTimes.emplace_back(marker, ms); }
void fake_clear_kernel_times() { LOCKED; kernelTimes.clear(); }

// --- the driver API ---
CUresult cuInit(unsigned) { return CUDA_SUCCESS; }
CUresult cuDriverGetVersion(int *v) { *v = 13000; return CUDA_SUCCESS; }
CUresult cuDeviceGetCount(int *n) { *n = 1; return CUDA_SUCCESS; }
CUresult cuDeviceGet(CUdevice *d, int ordinal) {
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_VALUE;
  *d = 0;
  return CUDA_SUCCESS;
}
CUresult cuDeviceGetName(char *name, int len, CUdevice) {
  std::strncpy(name, "Fake H200", len);
  return CUDA_SUCCESS;
}
CUresult cuDeviceGetAttribute(int *v, CUdevice_attribute a, CUdevice) {
  switch (a) {
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *v = 9; break;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *v = 0; break;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: *v = 232448; break;
  case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *v = 132; break;
  default: return CUDA_ERROR_INVALID_VALUE;
  }
  return CUDA_SUCCESS;
}
CUresult cuDevicePrimaryCtxRetain(CUcontext *c, CUdevice) {
  LOCKED;
  ++primaryRefs;
  *c = reinterpret_cast<CUcontext>(0x1234);
  return CUDA_SUCCESS;
}
CUresult cuDevicePrimaryCtxRelease_v2(CUdevice) {
  LOCKED;
  --primaryRefs;
  return CUDA_SUCCESS;
}
CUresult cuCtxSetCurrent(CUcontext c) { current = c; return CUDA_SUCCESS; }
CUresult cuCtxGetCurrent(CUcontext *c) { *c = current; return CUDA_SUCCESS; }
CUresult cuCtxSynchronize() { return current ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE; }
CUresult cuStreamSynchronize(CUstream) { return CUDA_SUCCESS; }

CUresult cuModuleLoadDataEx(CUmodule *m, const void *image, unsigned n, CUjit_option *opts,
                            void **vals) {
  LOCKED;
  std::string ptx = static_cast<const char *>(image);
  if (ptx.find("BAD") != std::string::npos) {
    for (unsigned i = 0; i < n; ++i)
      if (opts[i] == CU_JIT_ERROR_LOG_BUFFER)
        std::strcpy(static_cast<char *>(vals[i]), "ptxas fatal   : Unresolved extern function 'BAD'");
    return CUDA_ERROR_INVALID_PTX;
  }
  // With CU_JIT_LOG_VERBOSE, the info log gets ptxas's report, as the real JIT writes it.
  char *info = nullptr;
  bool verbose = false;
  for (unsigned i = 0; i < n; ++i) {
    if (opts[i] == CU_JIT_INFO_LOG_BUFFER)
      info = static_cast<char *>(vals[i]);
    if (opts[i] == CU_JIT_LOG_VERBOSE)
      verbose = vals[i] != nullptr;
  }
  size_t entry = ptx.find(".entry ");
  if (info && verbose && entry != std::string::npos) {
    std::string name = ptx.substr(entry + 7, ptx.find('(', entry) - entry - 7);
    std::string spill = std::to_string(spillOf(ptx));
    std::string log = "ptxas info    : 0 bytes gmem\n"
                      "ptxas info    : Compiling entry function '" + name + "' for 'sm_90a'\n"
                      "ptxas info    : Function properties for " + name + "\n"
                      "    " + spill + " bytes stack frame, " + spill + " bytes spill stores, " +
                      spill + " bytes spill loads\n"
                      "ptxas info    : Used " + std::to_string(registersOf(ptx)) +
                      " registers, used 1 barriers\n";
    std::strcpy(info, log.c_str());
  }
  ++modulesLoaded;
  *m = reinterpret_cast<CUmodule>(new FakeModule{ptx});
  return CUDA_SUCCESS;
}
CUresult cuModuleUnload(CUmodule m) {
  LOCKED;
  ++modulesUnloaded;
  delete reinterpret_cast<FakeModule *>(m);
  return CUDA_SUCCESS;
}
CUresult cuModuleGetFunction(CUfunction *f, CUmodule m, const char *name) {
  if (reinterpret_cast<FakeModule *>(m)->ptx.find(std::string(".entry ") + name) ==
      std::string::npos)
    return CUDA_ERROR_NOT_FOUND;
  *f = reinterpret_cast<CUfunction>(new FakeFunction{name, reinterpret_cast<FakeModule *>(m)->ptx}); // leaked: a test double
  return CUDA_SUCCESS;
}
CUresult cuFuncSetAttribute(CUfunction f, CUfunction_attribute a, int v) {
  if (a != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES || v > 232448)
    return CUDA_ERROR_INVALID_VALUE;
  reinterpret_cast<FakeFunction *>(f)->maxDynamicShared = v;
  return CUDA_SUCCESS;
}
CUresult cuFuncGetAttribute(int *v, CUfunction_attribute a, CUfunction f) {
  const std::string &ptx = reinterpret_cast<FakeFunction *>(f)->ptx;
  int registers = registersOf(ptx);
  switch (a) {
  case CU_FUNC_ATTRIBUTE_NUM_REGS: *v = registers; break;
  case CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES: *v = spillOf(ptx); break;
  // 64K registers per block, in warps of 32 threads.
  case CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *v = std::min(1024, 65536 / registers / 32 * 32); break;
  default: *v = 0;
  }
  return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  LOCKED;
  if (bytes > (size_t(1) << 34))
    return CUDA_ERROR_OUT_OF_MEMORY;
  void *mem = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  *p = reinterpret_cast<CUdeviceptr>(mem);
  allocations[*p] = bytes;
  return CUDA_SUCCESS;
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  LOCKED;
  if (!allocations.erase(p))
    return CUDA_ERROR_INVALID_VALUE;
  std::free(reinterpret_cast<void *>(p));
  return CUDA_SUCCESS;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr d, const void *h, size_t n) {
  std::memcpy(reinterpret_cast<void *>(d), h, n);
  return CUDA_SUCCESS;
}
CUresult cuMemcpyDtoH_v2(void *h, CUdeviceptr d, size_t n) {
  std::memcpy(h, reinterpret_cast<void *>(d), n);
  return CUDA_SUCCESS;
}
CUresult cuMemsetD8_v2(CUdeviceptr d, unsigned char v, size_t n) {
  std::memset(reinterpret_cast<void *>(d), v, n);
  return CUDA_SUCCESS;
}

CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n, CUstream) {
  std::memmove(reinterpret_cast<void *>(d), reinterpret_cast<void *>(s), n);
  return CUDA_SUCCESS;
}
CUresult cuMemGetAddressRange_v2(CUdeviceptr *base, size_t *bytes, CUdeviceptr p) {
  LOCKED;
  auto it = allocations.upper_bound(p);
  if (it == allocations.begin() || p >= std::prev(it)->first + std::prev(it)->second)
    return CUDA_ERROR_NOT_FOUND;
  --it;
  *base = it->first;
  *bytes = it->second;
  return CUDA_SUCCESS;
}

// Events read the virtual clock, which launches advance (1 ms each unless a test said
// otherwise), so that tests can see what was between the marks.
CUresult cuEventCreate(CUevent *e, unsigned) {
  *e = reinterpret_cast<CUevent>(new double(0));
  return CUDA_SUCCESS;
}
CUresult cuEventDestroy_v2(CUevent e) {
  delete reinterpret_cast<double *>(e);
  return CUDA_SUCCESS;
}
CUresult cuEventRecord(CUevent e, CUstream) {
  LOCKED;
  *reinterpret_cast<double *>(e) = clockMs;
  return CUDA_SUCCESS;
}
CUresult cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }
CUresult cuEventElapsedTime_v2(float *ms, CUevent start, CUevent end) {
  *ms = float(*reinterpret_cast<double *>(end) - *reinterpret_cast<double *>(start));
  return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx,
                        unsigned by, unsigned bz, unsigned shared, CUstream, void **params,
                        void **extra) {
  LOCKED;
  if (gx == 12345)
    return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;
  if (int(shared) > reinterpret_cast<FakeFunction *>(f)->maxDynamicShared || extra)
    return CUDA_ERROR_INVALID_VALUE;
  Launch l{{gx, gy, gz}, {bx, by, bz}, shared, {}};
  for (int i = 0; i < nextParams; ++i) {
    unsigned long long v = 0;
    std::memcpy(&v, params[i], 8); // every runtime slot is 8 bytes
    l.params.push_back(v);
  }
  const std::string &ptx = reinterpret_cast<FakeFunction *>(f)->ptx;
  clockMs += kernelTime(ptx);
  if (int i = markerValue(ptx, "fake-add-one=", -1); i >= 0)
    l.addedTo = (**static_cast<int32_t **>(params[i]))++;
  launches.push_back(l);
  return CUDA_SUCCESS;
}

CUresult cuGetErrorName(CUresult r, const char **name) {
  const char *text;
  return knownCode(r, name, &text) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
CUresult cuGetErrorString(CUresult r, const char **text) {
  const char *name;
  return knownCode(r, &name, text) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

} // extern "C"

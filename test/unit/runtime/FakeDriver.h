//===- FakeDriver.h - the fake libcuda.so.1's inspection functions -*- C++ -*-===//
//
// For the tests linked with RUNPATH fakecuda/ (RuntimeDriverTests): what the
// runtime passed to the driver, and the fake's knobs (fakecuda/FakeCuda.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TEST_RUNTIME_FAKEDRIVER_H
#define LACC_TEST_RUNTIME_FAKEDRIVER_H

#include <dlfcn.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace lacc::test {

/// The fake's inspection functions, from the same library instance.
struct Fake {
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  template <class F> F *fn(const char *name) {
    void *p = lib ? dlsym(lib, name) : nullptr;
    if (!p)
      throw std::runtime_error(std::string("fake driver lacks ") + name);
    return reinterpret_cast<F *>(p);
  }
  int launches() { return fn<int()>("fake_launch_count")(); }
  const unsigned *dims() { return fn<const unsigned *()>("fake_last_launch_dims")(); }
  unsigned long long param(int i) { return fn<unsigned long long(int)>("fake_last_param")(i); }
  /// The value a fake-add-one kernel found in launch number `launch` (from 0).
  int addedTo(int launch) { return fn<int(int)>("fake_added_to")(launch); }
  void expectParams(int n) { fn<void(int)>("fake_set_param_count")(n); }
  int loaded() { return fn<int()>("fake_modules_loaded")(); }
  int unloaded() { return fn<int()>("fake_modules_unloaded")(); }
  int primaryRefs() { return fn<int()>("fake_primary_refs")(); }
  size_t liveAllocations() { return fn<size_t()>("fake_live_allocations")(); }
  /// Launches of kernels whose PTX contains `marker` take `ms` of virtual time (else 1 ms).
  void setKernelTime(const char *marker, double ms) {
    fn<void(const char *, double)>("fake_set_kernel_time")(marker, ms);
  }
  void clearKernelTimes() { fn<void()>("fake_clear_kernel_times")(); }
};

} // namespace lacc::test

#endif

//===- Runtime.cpp - contexts, modules, kernels, launches, device memory ---===//
//
// The launch path, in order: grid, then every argument against the signature
// (count, kind, null, range, promised alignment), then the specialization
// (one atomic load when it is the last one used), then cuLaunchKernel. Nothing
// reaches the driver until every check has passed, and a variant is published
// only once it is fully compiled and loaded, so an error leaves no trace.
// An interpreting context takes the same path up to the specialization, then
// runs the kernel on the CPU interpreter (InterpBackend.h) on host memory.
//
//===----------------------------------------------------------------------===//

#include "lacc/Cache.h"
#include "lacc/Runtime.h"
#include "runtime/CompilerImpl.h"
#include "runtime/Driver.h"
#include "runtime/EmbeddedKernels.h"
#include "runtime/InterpBackend.h"
#include "runtime/Signature.h"

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <unordered_map>

namespace lacc {

// --- the compiler boundary, with exceptions ---------------------------------

CompiledKernel compileKernel(const CompileRequest &request) {
  CompiledKernel out;
  std::string error;
  if (!detail::compileKernelNoThrow(request, out, error))
    throw Error(Error::Kind::Compile, error);
  return out;
}

std::vector<Param> kernelParameters(const CompileRequest &request) {
  std::vector<Param> out;
  std::string error;
  if (!detail::kernelParametersNoThrow(request, out, error))
    throw Error(Error::Kind::Compile, error);
  return out;
}

namespace detail {

static constexpr size_t kMaxParams = 64; // the specialization masks are uint64_t

static std::string hexAddress(uint64_t a) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, a);
  return buf;
}

// --- host memory for the interpreter -------------------------------------------

static char *hostBytes(uint64_t address) {
  return reinterpret_cast<char *>(static_cast<uintptr_t>(address));
}

/// The memory of every interpreting context, process-wide as a GPU's memory is
/// for its contexts: each launch lets the interpreter touch exactly these
/// buffers, so a stray access is an error instead of a crash.
class HostMemory {
public:
  static HostMemory &get() {
    static HostMemory *memory = new HostMemory; // never destroyed: buffers may outlive main
    return *memory;
  }

  /// 256-byte aligned like cuMemAlloc, so that the same pointers are divisible by 16.
  uint64_t allocate(size_t bytes) {
    const size_t rounded = (bytes + 255) / 256 * 256;
    void *p = rounded >= bytes ? std::aligned_alloc(256, rounded) : nullptr;
    if (!p)
      throw Error(Error::Kind::Argument, "alloc(" + std::to_string(bytes) +
                                             "): out of host memory (interpreting context)");
    std::memset(p, 0xFF, rounded);
    std::lock_guard<std::mutex> lock(mutex_);
    live_[reinterpret_cast<uintptr_t>(p)] = bytes;
    return reinterpret_cast<uintptr_t>(p);
  }

  void release(uint64_t address) noexcept {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      live_.erase(address);
    }
    std::free(hostBytes(address));
  }

  std::vector<HostBuffer> buffers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<HostBuffer> out;
    out.reserve(live_.size());
    for (const auto &[address, bytes] : live_)
      out.push_back({hostBytes(address), bytes});
    return out;
  }

private:
  mutable std::mutex mutex_;
  std::map<uint64_t, size_t> live_; // address -> bytes
};

// --- state -------------------------------------------------------------------

struct ContextState {
  bool interpret = false;         // kernels run on the CPU interpreter, on host memory
  const Driver *driver = nullptr; // null: no device
  int ordinal = ContextOptions::kNoDevice;
  CUdevice device = 0;
  CUcontext context = nullptr;
  std::string deviceName;
  std::string arch;
  size_t maxShared = 0;       // dynamic + static per block, after opting in
  std::optional<DiskCache> disk;
  bool alwaysCompile = false;
  CompileFunction compiler;

  ~ContextState() {
    if (context)
      driver->cuDevicePrimaryCtxRelease(device);
  }

  /// The driver, with our context current on this thread; throws when there
  /// is no device. `what` says what needed it.
  const Driver &current(const std::string &what) const {
    if (!driver)
      throw Error(Error::Kind::NoDevice,
                  what + ": no CUDA device (this context was created without one)");
    CUcontext cur = nullptr;
    if (driver->cuCtxGetCurrent(&cur) != CUDA_SUCCESS || cur != context)
      check(*driver, driver->cuCtxSetCurrent(context), "cuCtxSetCurrent");
    return *driver;
  }
};

/// An event: a CUDA event of `ctx`'s context, or, interpreting, the host time
/// of the last record().
struct EventState {
  std::shared_ptr<ContextState> ctx;
  CUevent event = nullptr;
  bool recorded = false;
  double hostMs = 0;

  ~EventState() {
    if (event)
      ctx->driver->cuEventDestroy(event); // nothing sensible to do with an error here
  }
};

struct SourceInfo {
  std::string fileName;
  std::string text;
};

/// What a launch's arguments say about them, as Triton specializes: which are divisible by 16
/// (pointers: 16-byte aligned), and which integers are 1 (a unit stride makes a contiguous
/// access provable). One bit per parameter each.
struct Specialization {
  uint64_t divisible = 0, one = 0;
  bool operator==(const Specialization &o) const {
    return divisible == o.divisible && one == o.one;
  }
};

struct Variant {
  Specialization mask;
  CompiledKernel compiled;
  CUmodule module = nullptr;
  CUfunction function = nullptr;
  unsigned sharedBytes = 0; // dynamic, passed at launch
  std::shared_ptr<const InterpretedKernel> interpreted; // interpreting contexts only
};

struct KernelState {
  std::shared_ptr<ContextState> ctx;
  std::shared_ptr<const SourceInfo> source;
  KernelSignature sig;
  ConstMap constants;
  KernelOptions options;
  uint64_t eligible = 0; // pointer and integer parameters
  uint64_t integers = 0; // integer parameters (not i1): may be specialized on being 1
  uint64_t promised = 0; // assumeDivisible

  std::mutex mutex; // guards variants; held across a compile so it happens once
  std::vector<std::unique_ptr<Variant>> variants;
  std::atomic<const Variant *> last{nullptr};

  ~KernelState() {
    if (!ctx->driver)
      return;
    for (auto &v : variants)
      if (v->module) {
        // Best effort: at process exit the driver may already be gone.
        CUcontext cur = nullptr;
        if (ctx->driver->cuCtxGetCurrent(&cur) == CUDA_SUCCESS && cur != ctx->context)
          ctx->driver->cuCtxSetCurrent(ctx->context);
        ctx->driver->cuModuleUnload(v->module);
      }
  }

  std::string where(size_t i) const {
    const Param &p = sig.params[i];
    return "kernel '" + sig.name + "': argument " + std::to_string(i + 1) + " '" + p.name +
           "' (" + p.typeString() + ")";
  }

  std::string signatureText() const {
    std::string s;
    for (const Param &p : sig.params)
      s += (s.empty() ? "" : ", ") + p.name + ": " + p.typeString();
    return "(" + s + ")";
  }

  void checkGrid(const Grid &g) const {
    auto bad = [&](const char *axis, int64_t v, int64_t max) {
      throw Error(Error::Kind::Argument, "kernel '" + sig.name + "': grid." + axis + " = " +
                                             std::to_string(v) + " is out of range [1, " +
                                             std::to_string(max) + "]");
    };
    if (g.x < 1 || g.x > 0x7fffffff) bad("x", g.x, 0x7fffffff);
    if (g.y < 1 || g.y > 65535) bad("y", g.y, 65535);
    if (g.z < 1 || g.z > 65535) bad("z", g.z, 65535);
  }

  /// Checks every argument and encodes it as the kernel's parameter buffer
  /// wants it (little-endian, low bytes of storage[i]); returns what this launch
  /// may specialize on.
  Specialization pack(const Arg *args, size_t n, uint64_t *storage) const;

  const Variant &variant(Specialization mask);
  std::unique_ptr<Variant> build(Specialization mask);
  std::unique_ptr<Variant> buildForInterpreter(const CompileRequest &request);
};

struct ModuleState {
  std::shared_ptr<ContextState> ctx;
  std::shared_ptr<const SourceInfo> source;
  std::vector<KernelSignature> kernels;
  std::mutex mutex;
  std::unordered_map<std::string, std::shared_ptr<KernelState>> specialized;
};

// --- argument checking and encoding --------------------------------------------

static uint16_t toBF16(double d) {
  float f = static_cast<float>(d);
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000)
    return 0x7fc0; // NaN
  u += 0x7fff + ((u >> 16) & 1); // round to nearest even
  return static_cast<uint16_t>(u >> 16);
}

static uint16_t toF16(double d) {
  _Float16 h = static_cast<_Float16>(d);
  uint16_t u;
  std::memcpy(&u, &h, 2);
  return u;
}

static const char *argKindText(const Arg &a) {
  switch (a.kind) {
  case Arg::Kind::Pointer: return "a pointer";
  case Arg::Kind::Int:
  case Arg::Kind::UInt: return "an integer";
  case Arg::Kind::Float: return "a float";
  case Arg::Kind::Bool: return "a bool";
  }
  return "?";
}

Specialization KernelState::pack(const Arg *args, size_t n, uint64_t *storage) const {
  const size_t want = sig.params.size();
  if (n != want)
    throw Error(Error::Kind::Argument, "kernel '" + sig.name + "' takes " + std::to_string(want) +
                                           " argument" + (want == 1 ? "" : "s") + " " +
                                           signatureText() + " but was given " +
                                           std::to_string(n));
  Specialization found;
  for (size_t i = 0; i < n; ++i) {
    const Param &p = sig.params[i];
    const Arg &a = args[i];
    auto fail = [&](const std::string &what) {
      throw Error(Error::Kind::Argument, where(i) + ": " + what);
    };
    uint64_t bits = 0;
    switch (p.kind) {
    case Param::Kind::Pointer: {
      if (a.kind != Arg::Kind::Pointer)
        fail(std::string("the argument is ") + argKindText(a) +
             "; pass a DeviceBuffer, DevicePtr or device pointer");
      if (a.u == 0)
        fail("null pointer");
      bool floatParam = isFloat(p.type);
      if ((a.elem == Arg::Elem::Float && !floatParam) || (a.elem == Arg::Elem::Int && floatParam) ||
          (a.elemBytes && a.elemBytes != byteSize(p.type)))
        fail("the argument points to " + std::to_string(a.elemBytes) + "-byte " +
             (a.elem == Arg::Elem::Float ? "floats" : "integers") + ", not " +
             typeName(p.type));
      bits = a.u;
      break;
    }
    case Param::Kind::Int: {
      const unsigned width = p.type == ScalarType::I1 ? 1 : 8 * p.bytes;
      if (p.type == ScalarType::I1 && a.kind == Arg::Kind::Bool) {
        bits = a.u;
        break;
      }
      if (a.kind != Arg::Kind::Int && a.kind != Arg::Kind::UInt)
        fail(std::string("the argument is ") + argKindText(a) + "; pass an integer");
      // The value must be representable in the (signed) parameter type.
      bool fits;
      if (width == 1)
        fits = a.kind == Arg::Kind::Int ? (a.i == 0 || a.i == 1) : a.u <= 1;
      else if (a.kind == Arg::Kind::UInt)
        fits = a.u <= (uint64_t(1) << (width - 1)) - 1;
      else
        fits = width == 64 || (a.i >= -(int64_t(1) << (width - 1)) &&
                               a.i < (int64_t(1) << (width - 1)));
      if (!fits)
        fail("value " + (a.kind == Arg::Kind::UInt ? std::to_string(a.u) : std::to_string(a.i)) +
             " does not fit in " + typeName(p.type));
      bits = a.u & (width == 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1);
      break;
    }
    case Param::Kind::Float: {
      if (a.kind != Arg::Kind::Float)
        fail(std::string("the argument is ") + argKindText(a) +
             "; pass a float or double (e.g. 2.0f, not 2)");
      if (p.type == ScalarType::F64) {
        std::memcpy(&bits, &a.f, 8);
      } else if (p.type == ScalarType::F32) {
        float f = static_cast<float>(a.f);
        uint32_t u;
        std::memcpy(&u, &f, 4);
        bits = u;
      } else {
        bits = p.type == ScalarType::BF16 ? toBF16(a.f) : toF16(a.f);
      }
      break;
    }
    }
    storage[i] = bits;
    if ((eligible >> i & 1) && bits % 16 == 0) // for an i32, bits holds its low 32 bits
      found.divisible |= uint64_t(1) << i;
    if ((integers >> i & 1) && bits == 1)
      found.one |= uint64_t(1) << i;
    if ((promised >> i & 1) && bits % 16 != 0)
      fail((p.kind == Param::Kind::Pointer ? hexAddress(bits)
                                           : "value " + std::to_string(a.i)) +
           " is not divisible by 16, but the kernel was specialized assuming it is "
           "(KernelOptions::assumeDivisible)");
  }
  return options.specializeDivisibility ? found : Specialization{promised, 0};
}

// --- specializations -------------------------------------------------------------

const Variant &KernelState::variant(Specialization mask) {
  // The hot path: the specialization used last, without a lock. Variants are
  // never freed before the KernelState, so the pointer stays valid.
  if (const Variant *v = last.load(std::memory_order_acquire); v && v->mask == mask)
    return *v;
  std::lock_guard<std::mutex> lock(mutex);
  for (const auto &v : variants)
    if (v->mask == mask) {
      last.store(v.get(), std::memory_order_release);
      return *v;
    }
  variants.push_back(build(mask)); // throws before anything is published
  last.store(variants.back().get(), std::memory_order_release);
  return *variants.back();
}

std::unique_ptr<Variant> KernelState::build(Specialization mask) {
  CompileRequest request;
  request.source = source->text;
  request.fileName = source->fileName;
  request.kernelName = sig.name;
  request.constants = constants;
  for (unsigned i = 0; i < sig.params.size(); ++i) {
    if (mask.divisible >> i & 1)
      request.divisibleBy16.push_back(i);
    if (mask.one >> i & 1)
      request.equalToOne.push_back(i);
  }
  request.arch = ctx->arch;
  request.numWarps = options.numWarps;
  request.numStages = options.numStages;
  request.maxRegisters = options.maxRegisters;
  if (ctx->interpret)
    return buildForInterpreter(request);

  auto v = std::make_unique<Variant>();
  v->mask = mask;
  std::optional<CompiledKernel> cached;
  CacheKey key;
  if (ctx->disk) {
    key = makeCacheKey(request);
    if (!ctx->alwaysCompile)
      cached = ctx->disk->load(key);
  }
  v->compiled = cached ? std::move(*cached) : ctx->compiler(request);
  const CompiledKernel &ck = v->compiled;
  // The compiler and this signature were derived from the same source: if
  // they disagree, launching would pass garbage. Checked before caching.
  if (ck.params != sig.params || ck.name.empty() || ck.ptx.empty() || ck.numWarps == 0 ||
      ck.numWarps > 32) {
    std::string got;
    for (const Param &p : ck.params)
      got += (got.empty() ? "" : ", ") + p.name + ": " + p.typeString();
    throw Error(Error::Kind::Compile,
                "kernel '" + sig.name + "': internal error: the compiler returned entry '" +
                    ck.name + "' with " + std::to_string(ck.ptx.size()) + " bytes of PTX, " +
                    std::to_string(ck.numWarps) + " warps and parameters (" + got +
                    "), but the kernel's signature is " + signatureText());
  }
  if (ctx->disk && !cached)
    ctx->disk->store(key, ck);
  if (!ctx->driver)
    return v; // compile-only context

  const Driver &d = ctx->current("loading kernel '" + sig.name + "'");
  if (ck.sharedBytes > ctx->maxShared)
    throw Error(Error::Kind::Argument,
                "kernel '" + sig.name + "' needs " + std::to_string(ck.sharedBytes) +
                    " bytes of shared memory per block; " + ctx->deviceName + " allows " +
                    std::to_string(ctx->maxShared) + " (use a smaller block or fewer stages)");

  // JIT the PTX; keep the JIT's log for the error message.
  char errorLog[16384] = {0}, infoLog[4096] = {0};
  CUjit_option opts[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                         CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES};
  void *vals[] = {errorLog, reinterpret_cast<void *>(uintptr_t(sizeof errorLog)), infoLog,
                  reinterpret_cast<void *>(uintptr_t(sizeof infoLog))};
  CUresult r = d.cuModuleLoadDataEx(&v->module, ck.ptx.c_str(), 4, opts, vals);
  if (r != CUDA_SUCCESS) {
    v->module = nullptr;
    throw Error(Error::Kind::Cuda, "cuModuleLoadDataEx of kernel '" + sig.name + "' (" +
                                       ck.arch + ") failed: " + cudaErrorText(d, r) +
                                       (errorLog[0] ? std::string("\n") + errorLog : ""));
  }
  // From here on a failure must unload the module.
  auto fail = [&](const std::string &message, Error::Kind kind = Error::Kind::Cuda) {
    d.cuModuleUnload(v->module);
    throw Error(kind, message);
  };
  r = d.cuModuleGetFunction(&v->function, v->module, ck.name.c_str());
  if (r != CUDA_SUCCESS)
    fail("cuModuleGetFunction('" + ck.name + "') failed: " + cudaErrorText(d, r));
  int staticShared = 0, maxThreads = 0;
  d.cuFuncGetAttribute(&staticShared, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, v->function);
  d.cuFuncGetAttribute(&maxThreads, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, v->function);
  if (size_t(staticShared) + ck.sharedBytes > ctx->maxShared)
    fail("kernel '" + sig.name + "' needs " + std::to_string(staticShared) + " + " +
             std::to_string(ck.sharedBytes) + " bytes of shared memory per block; " +
             ctx->deviceName + " allows " + std::to_string(ctx->maxShared),
         Error::Kind::Argument);
  if (maxThreads > 0 && ck.numWarps * 32 > unsigned(maxThreads))
    fail("kernel '" + sig.name + "' with num_warps=" + std::to_string(ck.numWarps) + " needs " +
             std::to_string(ck.numWarps * 32) + " threads per block, but its register use allows " +
             std::to_string(maxThreads) + "; use fewer warps",
         Error::Kind::Argument);
  // Beyond 48 KiB of dynamic shared memory a kernel must opt in.
  if (ck.sharedBytes > 48 * 1024) {
    r = d.cuFuncSetAttribute(v->function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                             int(ck.sharedBytes));
    if (r != CUDA_SUCCESS)
      fail("cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, " + std::to_string(ck.sharedBytes) +
           ") for kernel '" + sig.name + "' failed: " + cudaErrorText(d, r));
  }
  v->sharedBytes = ck.sharedBytes;
  return v;
}

std::unique_ptr<Variant> KernelState::buildForInterpreter(const CompileRequest &request) {
  auto v = std::make_unique<Variant>();
  std::string error;
  if (!compileForInterpreter(request, sig.params, v->interpreted, error))
    throw Error(Error::Kind::Compile, error);
  v->compiled.name = sig.name;
  v->compiled.numWarps = options.numWarps ? options.numWarps : 4; // unused by the interpreter
  v->compiled.params = sig.params;
  return v;
}

} // namespace detail

using namespace detail;

// --- Kernel --------------------------------------------------------------------

static KernelState &stateOf(const std::shared_ptr<KernelState> &s) {
  if (!s)
    throw Error(Error::Kind::Argument, "use of an empty lacc::Kernel (default-constructed)");
  return *s;
}

const std::string &Kernel::name() const { return stateOf(s_).sig.name; }
const std::vector<Param> &Kernel::params() const { return stateOf(s_).sig.params; }
const ConstMap &Kernel::constants() const { return stateOf(s_).constants; }

size_t Kernel::variantCount() const {
  KernelState &k = stateOf(s_);
  std::lock_guard<std::mutex> lock(k.mutex);
  return k.variants.size();
}

void Kernel::launchImpl(const Grid &grid, CUstream_st *stream, const Arg *args, size_t n) const {
  KernelState &k = stateOf(s_);
  k.checkGrid(grid);
  uint64_t storage[kMaxParams];
  void *params[kMaxParams];
  Specialization mask = k.pack(args, n, storage);
  if (k.ctx->interpret) {
    // The interpreter ignores specializations: one variant serves every launch.
    const Variant &v = k.variant({});
    std::string error;
    if (!runOnInterpreter(*v.interpreted,
                          {uint32_t(grid.x), uint32_t(grid.y), uint32_t(grid.z)}, storage,
                          HostMemory::get().buffers(), error))
      throw Error(Error::Kind::Execution, error);
    return;
  }
  if (!k.ctx->driver)
    k.ctx->current("cannot launch kernel '" + k.sig.name + "'"); // throws
  const Variant &v = k.variant(mask);
  for (size_t i = 0; i < n; ++i)
    params[i] = &storage[i];
  const Driver &d = *k.ctx->driver;
  CUcontext cur = nullptr;
  if (d.cuCtxGetCurrent(&cur) != CUDA_SUCCESS || cur != k.ctx->context)
    check(d, d.cuCtxSetCurrent(k.ctx->context), "cuCtxSetCurrent");
  CUresult r = d.cuLaunchKernel(v.function, unsigned(grid.x), unsigned(grid.y), unsigned(grid.z),
                                v.compiled.numWarps * 32, 1, 1, v.sharedBytes, stream, params,
                                nullptr);
  if (r != CUDA_SUCCESS)
    throw Error(Error::Kind::Cuda,
                "cuLaunchKernel of kernel '" + k.sig.name + "' (grid " + std::to_string(grid.x) +
                    "x" + std::to_string(grid.y) + "x" + std::to_string(grid.z) + ", " +
                    std::to_string(v.compiled.numWarps * 32) + " threads, " +
                    std::to_string(v.sharedBytes) + " bytes of shared memory) failed: " +
                    cudaErrorText(d, r));
}

const CompiledKernel &Kernel::compileImpl(const Arg *args, size_t n) const {
  KernelState &k = stateOf(s_);
  uint64_t storage[kMaxParams];
  Specialization mask = k.pack(args, n, storage);
  return k.variant(k.ctx->interpret ? Specialization{} : mask).compiled;
}

void *Kernel::functionImpl(const Arg *args, size_t n) const {
  KernelState &k = stateOf(s_);
  uint64_t storage[kMaxParams];
  Specialization mask = k.pack(args, n, storage);
  if (k.ctx->interpret)
    throw Error(Error::Kind::NoDevice, "kernel '" + k.sig.name +
                                           "': no CUfunction, this context runs kernels on the "
                                           "CPU interpreter");
  if (!k.ctx->driver)
    k.ctx->current("kernel '" + k.sig.name + "'"); // throws
  return k.variant(mask).function;
}

// --- Module --------------------------------------------------------------------

static ModuleState &stateOf(const std::shared_ptr<ModuleState> &s) {
  if (!s)
    throw Error(Error::Kind::Argument, "use of an empty lacc::Module (default-constructed)");
  return *s;
}

const std::string &Module::fileName() const { return stateOf(s_).source->fileName; }

std::vector<std::string> Module::kernelNames() const {
  std::vector<std::string> names;
  for (const KernelSignature &k : stateOf(s_).kernels)
    names.push_back(k.name);
  return names;
}

Kernel Module::kernel(const std::string &name, const ConstMap &constants,
                      const KernelOptions &options) const {
  ModuleState &m = stateOf(s_);
  const KernelSignature *sig = nullptr;
  std::string names;
  for (const KernelSignature &k : m.kernels) {
    names += (names.empty() ? "" : ", ") + k.name;
    if (k.name == name)
      sig = &k;
  }
  if (!sig)
    throw Error(Error::Kind::Argument, "no @kernel named '" + name + "' in " +
                                           m.source->fileName + " (it has: " +
                                           (names.empty() ? "none" : names) + ")");
  auto fail = [&](const std::string &what) {
    throw Error(Error::Kind::Argument, "kernel '" + name + "': " + what);
  };

  // Const values: known names, right kinds; ints given for float constants are
  // converted here so that 2 and 2.0 make the same specialization.
  ConstMap values;
  for (const auto &[cname, value] : constants) {
    const ConstParam *c = nullptr;
    for (const ConstParam &cp : sig->constants)
      if (cp.name == cname)
        c = &cp;
    if (!c) {
      for (const Param &p : sig->params)
        if (p.name == cname)
          fail("'" + cname + "' is a runtime parameter; pass it to launch(), not as a constant");
      std::string list;
      for (const ConstParam &cp : sig->constants)
        list += (list.empty() ? "" : ", ") + cp.name;
      fail("no const parameter named '" + cname + "' (const parameters: " +
           (list.empty() ? "none" : list) + ")");
    }
    ConstValue v = value;
    bool isText = value.kind() == ConstValue::Kind::String || value.kind() == ConstValue::Kind::Type;
    if (c->kind == ConstParam::Kind::Type && value.kind() != ConstValue::Kind::Type)
      fail("const parameter '" + cname + "' is a dtype but its value is " + value.toString() +
           " (pass ConstValue::type(\"bf16\"))");
    if (c->kind == ConstParam::Kind::String && value.kind() != ConstValue::Kind::String)
      fail("const parameter '" + cname + "' is a string but its value is " + value.toString() +
           " (pass ConstValue::string(\"...\"))");
    if (c->kind == ConstParam::Kind::Number && isText)
      fail("const parameter '" + cname + "' is " + typeName(*c->type) + " but its value is " +
           (value.kind() == ConstValue::Kind::Type ? "the type " : "the string ") +
           value.toString());
    if (value.kind() == ConstValue::Kind::String &&
        value.asString().find_first_of("\"\n") != std::string::npos)
      fail("const parameter '" + cname + "': a string constant cannot hold a quote or a "
           "newline (the front end reads it between quotes)");
    if (value.kind() == ConstValue::Kind::Type && !scalarTypeNamed(value.asString()))
      fail("const parameter '" + cname + "': '" + value.asString() +
           "' is not a type of the language (i1, i8, i16, i32, i64, f16, bf16, f32, f64, "
           "f8e4m3, f8e5m2)");
    if (c->kind == ConstParam::Kind::Number) {
      ScalarType t = *c->type;
      bool isBoolValue = value.kind() == ConstValue::Kind::Bool;
      if (t == ScalarType::I1 && !isBoolValue)
        fail("const parameter '" + cname + "' is bool but its value is " + value.toString());
      if (t != ScalarType::I1 && isBoolValue)
        fail("const parameter '" + cname + "' is " + typeName(t) + " but its value is a bool");
      if (!isFloat(t) && value.kind() == ConstValue::Kind::Float)
        fail("const parameter '" + cname + "' is " + typeName(t) + " but its value " +
             value.toString() + " is a float");
      if (isFloat(t) && value.kind() == ConstValue::Kind::Int)
        v = ConstValue(value.asFloat());
    }
    values.emplace(cname, v);
  }
  for (const ConstParam &c : sig->constants)
    if (!c.hasDefault && !values.count(c.name))
      fail("needs a value for const parameter '" + c.name + "'");
  KernelSignature resolved = *sig;
  std::string typeError;
  if (!resolveParamTypes(resolved, values, typeError))
    fail(typeError);
  sig = &resolved;

  if (options.numWarps > 32 || (options.numWarps & (options.numWarps - 1)) != 0)
    fail("num_warps = " + std::to_string(options.numWarps) +
         " must be a power of two in [1, 32] (or 0: the kernel's own)");
  if (options.numStages > 8)
    fail("num_stages = " + std::to_string(options.numStages) + " must be 1 to 8 (or 0: the "
         "kernel's own)");
  if (sig->params.size() > kMaxParams)
    fail("has " + std::to_string(sig->params.size()) + " parameters; at most " +
         std::to_string(kMaxParams) + " are supported");
  uint64_t eligible = 0, integers = 0, promised = 0;
  for (size_t i = 0; i < sig->params.size(); ++i) {
    if (sig->params[i].kind != Param::Kind::Float && sig->params[i].type != ScalarType::I1)
      eligible |= uint64_t(1) << i;
    if (sig->params[i].kind == Param::Kind::Int && sig->params[i].type != ScalarType::I1)
      integers |= uint64_t(1) << i;
  }
  for (const std::string &p : options.assumeDivisible) {
    size_t i = 0;
    while (i < sig->params.size() && sig->params[i].name != p)
      ++i;
    if (i == sig->params.size())
      fail("assumeDivisible names '" + p + "', which is not a runtime parameter");
    if (!(eligible >> i & 1))
      fail("assumeDivisible names '" + p + "' (" + sig->params[i].typeString() +
           "); only pointer and integer parameters can be divisible by 16");
    promised |= uint64_t(1) << i;
  }

  // The same request returns the same state, with its compiled variants.
  std::string memo = name;
  for (const auto &[cname, value] : values)
    memo += "|" + cname + "=" + value.toString();
  memo += "|warps=" + std::to_string(options.numWarps) +
          "|stages=" + std::to_string(options.numStages) +
          "|regs=" + std::to_string(options.maxRegisters) +
          (options.specializeDivisibility ? "/auto/" : "/fixed/") + std::to_string(promised);
  std::lock_guard<std::mutex> lock(m.mutex);
  std::shared_ptr<KernelState> &slot = m.specialized[memo];
  if (!slot) {
    auto k = std::make_shared<KernelState>();
    k->ctx = m.ctx;
    k->source = m.source;
    k->sig = *sig;
    k->constants = std::move(values);
    k->options = options;
    k->eligible = eligible;
    k->integers = integers;
    k->promised = promised;
    slot = std::move(k);
  }
  return Kernel(slot);
}

// --- Context -------------------------------------------------------------------

Context Context::offline(ContextOptions options) {
  options.device = ContextOptions::kNoDevice;
  options.interpret = false;
  return Context(std::move(options));
}

static bool interpretFromEnv() {
  const char *v = std::getenv("LACC_INTERPRET");
  return v && *v && std::strcmp(v, "0") != 0;
}

Context Context::gpuOrInterpreter(ContextOptions options) {
  try {
    return Context(options);
  } catch (const Error &e) {
    if (e.kind() != Error::Kind::NoDriver && e.kind() != Error::Kind::NoDevice)
      throw;
  }
  options.interpret = true;
  return Context(std::move(options));
}

Context::Context(ContextOptions options) : s_(std::make_shared<ContextState>()) {
  ContextState &c = *s_;
  c.arch = options.arch;
  c.interpret = options.interpret.value_or(options.device != ContextOptions::kNoDevice &&
                                           interpretFromEnv());
  if (c.interpret) {
    if (c.arch.empty())
      c.arch = "sm_90a";
    c.deviceName = "CPU interpreter";
    return;
  }
  c.compiler = options.compiler ? std::move(options.compiler) : CompileFunction(compileKernel);
  c.alwaysCompile = options.alwaysCompile ? *options.alwaysCompile : alwaysCompileFromEnv();
  if (options.diskCache)
    c.disk.emplace(options.cacheDir.empty() ? defaultCacheDir() : options.cacheDir);

  if (options.device == ContextOptions::kNoDevice) {
    if (c.arch.empty())
      c.arch = "sm_90a";
    return;
  }
  if (options.device < 0)
    throw Error(Error::Kind::Argument, "CUDA device ordinal " + std::to_string(options.device) +
                                           " is negative (use ContextOptions::kNoDevice for none)");
  const Driver &d = Driver::get(); // throws "no CUDA driver found ..."
  int count = 0;
  check(d, d.cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (count == 0)
    throw Error(Error::Kind::NoDevice, "no CUDA device: the driver reports none");
  if (options.device >= count)
    throw Error(Error::Kind::NoDevice, "no CUDA device " + std::to_string(options.device) +
                                           ": there " + (count == 1 ? "is " : "are ") +
                                           std::to_string(count) + " (ordinals from 0)");
  c.ordinal = options.device;
  check(d, d.cuDeviceGet(&c.device, options.device), "cuDeviceGet");
  char name[256] = {0};
  check(d, d.cuDeviceGetName(name, sizeof name - 1, c.device), "cuDeviceGetName");
  c.deviceName = name;
  int major = 0, minor = 0, optin = 0;
  check(d, d.cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, c.device),
        "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)");
  check(d, d.cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, c.device),
        "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)");
  check(d,
        d.cuDeviceGetAttribute(&optin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                               c.device),
        "cuDeviceGetAttribute(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN)");
  c.maxShared = size_t(optin);
  if (c.arch.empty()) // sm_90a: Hopper's wgmma and TMA need the arch-specific target
    c.arch = "sm_" + std::to_string(major) + std::to_string(minor) + (major == 9 ? "a" : "");
  check(d, d.cuDevicePrimaryCtxRetain(&c.context, c.device), "cuDevicePrimaryCtxRetain");
  c.driver = &d; // from here on ~ContextState releases the primary context
  check(d, d.cuCtxSetCurrent(c.context), "cuCtxSetCurrent");
}

Module Context::loadSource(std::string text, std::string name) {
  auto m = std::make_shared<ModuleState>();
  m->ctx = s_;
  std::string error;
  if (!parseSignatures(name, text, m->kernels, error))
    throw Error(Error::Kind::Compile, error);
  m->source = std::make_shared<SourceInfo>(SourceInfo{std::move(name), std::move(text)});
  return Module(std::move(m));
}

Module Context::loadFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(Error::Kind::IO, "cannot read '" + path + "': " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    throw Error(Error::Kind::IO, "cannot read '" + path + "'");
  return loadSource(text.str(), path);
}

Module Context::loadEmbedded(const std::string &name) {
  if (const char *dir = std::getenv("LACC_KERNELS_DIR"); dir && *dir)
    return loadFile(std::string(dir) + "/" + name);
  const char *text = embeddedKernelSource(name);
  if (!text) {
    std::string names;
    for (const std::string &n : embeddedKernelNames())
      names += (names.empty() ? "" : ", ") + n;
    throw Error(Error::Kind::IO, "no kernel file '" + name +
                                     "' is embedded in this program (it has: " + names + ")");
  }
  return loadSource(text, "kernels/" + name);
}

const char *embeddedKernelSource(const std::string &name) {
  for (size_t i = 0; i < kNumEmbeddedKernels; ++i)
    if (name == kEmbeddedKernels[i].name)
      return kEmbeddedKernels[i].text;
  return nullptr;
}

std::vector<std::string> embeddedKernelNames() {
  std::vector<std::string> names;
  for (size_t i = 0; i < kNumEmbeddedKernels; ++i)
    names.push_back(kEmbeddedKernels[i].name);
  return names;
}

bool Context::hasDevice() const { return s_->driver != nullptr; }
bool Context::interpreting() const { return s_->interpret; }
int Context::device() const { return s_->ordinal; }
std::string Context::deviceName() const { return s_->deviceName; }
const std::string &Context::arch() const { return s_->arch; }
size_t Context::maxSharedBytes() const { return s_->maxShared; }
const std::string &Context::cacheDir() const {
  static const std::string none;
  return s_->disk ? s_->disk->dir() : none;
}

void Context::synchronize() {
  if (s_->interpret)
    return; // launches and copies finish before they return
  const Driver &d = s_->current("synchronize");
  check(d, d.cuCtxSynchronize(), "cuCtxSynchronize (an earlier launch or copy failed)");
}

Event Context::event() {
  auto e = std::make_shared<EventState>();
  e->ctx = s_;
  if (!s_->interpret) {
    const Driver &d = s_->current("Context::event");
    check(d, d.cuEventCreate(&e->event, CU_EVENT_DEFAULT), "cuEventCreate");
  }
  return Event(std::move(e));
}

void Event::record(const Stream &stream) {
  if (!s_)
    throw Error(Error::Kind::Argument, "Event::record: an empty Event (use Context::event())");
  EventState &e = *s_;
  if (e.ctx->interpret) {
    e.hostMs = std::chrono::duration<double, std::milli>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count();
  } else {
    const Driver &d = e.ctx->current("Event::record");
    check(d, d.cuEventRecord(e.event, stream.handle()), "cuEventRecord");
  }
  e.recorded = true;
}

double Event::msSince(const Event &start) const {
  if (!s_ || !start.s_ || !s_->recorded || !start.s_->recorded)
    throw Error(Error::Kind::Argument, "Event::msSince: both events must have been recorded");
  if (s_->ctx != start.s_->ctx)
    throw Error(Error::Kind::Argument, "Event::msSince: the events belong to different contexts");
  if (s_->ctx->interpret)
    return s_->hostMs - start.s_->hostMs;
  const Driver &d = s_->ctx->current("Event::msSince");
  check(d, d.cuEventSynchronize(s_->event), "cuEventSynchronize (an earlier launch or copy failed)");
  float ms = 0;
  check(d, d.cuEventElapsedTime(&ms, start.s_->event, s_->event), "cuEventElapsedTime");
  return ms;
}

DeviceBuffer Context::alloc(size_t bytes) {
  if (bytes == 0)
    throw Error(Error::Kind::Argument, "alloc(0): a device buffer needs at least one byte");
  if (s_->interpret)
    return DeviceBuffer(s_, HostMemory::get().allocate(bytes), bytes);
  const Driver &d = s_->current("alloc(" + std::to_string(bytes) + ")");
  CUdeviceptr p = 0;
  CUresult r = d.cuMemAlloc(&p, bytes);
  if (r != CUDA_SUCCESS)
    throw Error(Error::Kind::Cuda, "cuMemAlloc of " + std::to_string(bytes) +
                                       " bytes failed: " + cudaErrorText(d, r));
  return DeviceBuffer(s_, p, bytes);
}

// --- DeviceBuffer ----------------------------------------------------------------

DeviceBuffer::DeviceBuffer(DeviceBuffer &&o) noexcept
    : ctx_(std::move(o.ctx_)), address_(o.address_), bytes_(o.bytes_) {
  o.address_ = 0;
  o.bytes_ = 0;
}

DeviceBuffer &DeviceBuffer::operator=(DeviceBuffer &&o) noexcept {
  if (this != &o) {
    release();
    ctx_ = std::move(o.ctx_);
    address_ = o.address_;
    bytes_ = o.bytes_;
    o.address_ = 0;
    o.bytes_ = 0;
  }
  return *this;
}

DeviceBuffer::~DeviceBuffer() { release(); }

void DeviceBuffer::release() noexcept {
  if (address_ && ctx_ && ctx_->interpret) {
    HostMemory::get().release(address_);
  } else if (address_ && ctx_ && ctx_->driver) {
    const Driver &d = *ctx_->driver;
    CUcontext cur = nullptr;
    if (d.cuCtxGetCurrent(&cur) == CUDA_SUCCESS && cur != ctx_->context)
      d.cuCtxSetCurrent(ctx_->context);
    d.cuMemFree(address_); // nothing sensible to do with an error in a destructor
  }
  address_ = 0;
  bytes_ = 0;
  ctx_.reset();
}

static void checkRange(const char *what, size_t bytes, size_t offset, size_t size) {
  if (size == 0)
    throw Error(Error::Kind::Argument, std::string(what) + ": empty DeviceBuffer");
  if (offset > size || bytes > size - offset)
    throw Error(Error::Kind::Argument, std::string(what) + ": " + std::to_string(bytes) +
                                           " bytes at offset " + std::to_string(offset) +
                                           " do not fit in a buffer of " + std::to_string(size) +
                                           " bytes");
}

void DeviceBuffer::copyFrom(const void *host, size_t bytes, size_t offset) {
  checkRange("DeviceBuffer::copyFrom", bytes, offset, bytes_);
  if (bytes == 0)
    return;
  if (ctx_->interpret) {
    std::memcpy(hostBytes(address_) + offset, host, bytes);
    return;
  }
  const Driver &d = ctx_->current("DeviceBuffer::copyFrom");
  check(d, d.cuMemcpyHtoD(address_ + offset, host, bytes), "cuMemcpyHtoD");
}

void DeviceBuffer::copyTo(void *host, size_t bytes, size_t offset) const {
  checkRange("DeviceBuffer::copyTo", bytes, offset, bytes_);
  if (bytes == 0)
    return;
  if (ctx_->interpret) {
    std::memcpy(host, hostBytes(address_) + offset, bytes);
    return;
  }
  const Driver &d = ctx_->current("DeviceBuffer::copyTo");
  check(d, d.cuMemcpyDtoH(host, address_ + offset, bytes), "cuMemcpyDtoH");
}

void DeviceBuffer::fill(uint8_t value) {
  checkRange("DeviceBuffer::fill", bytes_, 0, bytes_);
  if (ctx_->interpret) {
    std::memset(hostBytes(address_), value, bytes_);
    return;
  }
  const Driver &d = ctx_->current("DeviceBuffer::fill");
  check(d, d.cuMemsetD8(address_, value, bytes_), "cuMemsetD8");
  check(d, d.cuCtxSynchronize(), "cuCtxSynchronize after cuMemsetD8");
}

void DeviceBuffer::copyFromDevice(const DeviceBuffer &src, size_t bytes, const Stream &stream) {
  checkRange("DeviceBuffer::copyFromDevice (destination)", bytes, 0, bytes_);
  checkRange("DeviceBuffer::copyFromDevice (source)", bytes, 0, src.bytes_);
  if (src.ctx_ != ctx_)
    throw Error(Error::Kind::Argument,
                "DeviceBuffer::copyFromDevice: the buffers belong to different contexts");
  if (bytes == 0)
    return;
  if (ctx_->interpret) {
    std::memmove(hostBytes(address_), hostBytes(src.address_), bytes);
    return;
  }
  const Driver &d = ctx_->current("DeviceBuffer::copyFromDevice");
  check(d, d.cuMemcpyDtoDAsync(address_, src.address_, bytes, stream.handle()),
        "cuMemcpyDtoDAsync");
}

} // namespace lacc

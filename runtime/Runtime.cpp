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
#include "lacc/Ptxas.h"
#include "lacc/Runtime.h"
#include "runtime/Autotune.h"
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
#include <thread>
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
static constexpr size_t kMaxTensorMaps = 16;

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
  int multiprocessors = 0;    // SMs; 0 without a device
  std::optional<DiskCache> disk;
  bool alwaysCompile = false;
  CompileFunction compiler;
  // Bytes of the live DeviceBuffers, and the most live at once (Context::peakAllocatedBytes).
  std::atomic<size_t> liveBytes{0}, peakBytes{0};

  void allocated(size_t bytes) {
    size_t live = liveBytes += bytes, peak = peakBytes.load();
    while (live > peak && !peakBytes.compare_exchange_weak(peak, live)) {
    }
  }

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

struct KernelState;

/// What became of one config while tuning.
struct Trial {
  const Variant *built = nullptr; // compiled and loaded
  double ms = -1;                 // the median run; negative: not timed
  std::string failure;            // why it was skipped
  Error::Kind kind = Error::Kind::Argument;

  void failed(const std::exception &e) {
    failure = e.what();
    if (const Error *error = dynamic_cast<const Error *>(&e))
      kind = error->kind();
  }
};

/// The config an @autotune'd kernel runs for one specialization and one set of key values.
struct Choice {
  Specialization mask;
  std::vector<uint64_t> key; // the key arguments' bits, in AutotuneSpec::key's order
  KernelState *config;       // one of the kernel's candidates
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

  std::mutex mutex; // guards variants and choices; held across a compile (or a tuning) so it
                    // happens once
  std::vector<std::unique_ptr<Variant>> variants;
  std::atomic<const Variant *> last{nullptr};

  // @autotune (sig.autotune): a kernel of its own per config, with the caller's constants and
  // options and the config's, and what was chosen, found as variants are.
  std::vector<std::shared_ptr<KernelState>> candidates;
  std::vector<std::unique_ptr<Choice>> choices;
  std::atomic<const Choice *> lastChoice{nullptr};

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

  /// Throws Error(Argument) naming the argument when a tensor descriptor that `v`'s kernel
  /// makes cannot be built from these arguments (the TMA's rules, on every backend alike).
  void checkDescriptors(const CompiledKernel &k, const uint64_t *storage) const;
  /// A descriptor's shape or stride entry at this launch (parameters sign-extended).
  int64_t valueOf(const TensorDescriptor::Operand &o, const uint64_t *storage) const;
  /// Encodes `k`'s tensor maps (checked descriptors) for this launch into `maps`.
  void encodeTensorMaps(const CompiledKernel &k, const uint64_t *storage,
                        CUtensorMap *maps) const;

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
  CompileRequest request(Specialization mask) const;
  std::unique_ptr<Variant> build(Specialization mask);
  std::unique_ptr<Variant> buildForInterpreter(const CompileRequest &request);

  /// Runs the specialization `mask` selects on the packed arguments (GPU or interpreter).
  void launchPacked(const Grid &grid, CUstream stream, Specialization mask,
                    const uint64_t *storage);
  void launchVariant(const Variant &v, const Grid &grid, CUstream stream,
                     const uint64_t *storage) const;

  // --- @autotune -----------------------------------------------------------------------
  /// The candidate these arguments run: found, read from the disk cache's record, or tuned
  /// now (compiling every config, timing the ones that load on these very arguments).
  KernelState &chosen(Specialization mask, const uint64_t *storage, const GridOf &grid,
                      CUstream stream);
  const Choice *findChoice(Specialization mask, const uint64_t *storage) const;
  KernelState *tune(Specialization mask, const uint64_t *storage, const GridOf &grid,
                    CUstream stream);
  KernelState *firstThatCompiles();
  KernelState *fromRecord(Specialization mask, const CacheKey &key, const std::string &keyText);
  /// Compiles (and loads) every config at once, on several threads.
  std::vector<Trial> buildAll(Specialization mask);
  std::string keyText(const uint64_t *storage) const;
  [[noreturn]] void noConfigWorks(const std::string &key, const std::vector<Trial> &trials) const;
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

int64_t KernelState::valueOf(const TensorDescriptor::Operand &o,
                             const uint64_t *storage) const {
  if (o.param < 0)
    return o.constant;
  const Param &p = sig.params[o.param]; // integers are sign-extended from their width
  int bits = 8 * int(p.bytes);
  return bits == 64 ? int64_t(storage[o.param])
                    : int64_t(storage[o.param] << (64 - bits)) >> (64 - bits);
}

void KernelState::encodeTensorMaps(const CompiledKernel &k, const uint64_t *storage,
                                   CUtensorMap *maps) const {
  const Driver &d = *ctx->driver;
  if (!d.cuTensorMapEncodeTiled)
    throw Error(Error::Kind::Cuda, "kernel '" + sig.name +
                                       "' reads through the TMA, but the CUDA driver has no "
                                       "cuTensorMapEncodeTiled (it predates CUDA 12): update "
                                       "the NVIDIA driver");
  for (size_t n = 0; n < k.tensorMaps.size(); ++n) {
    const TensorMap &m = k.tensorMaps[n];
    const TensorDescriptor &t = m.tensor;
    const size_t rank = t.block.size();
    // The driver counts dimensions innermost first; strides in bytes, the innermost implied.
    cuuint64_t dims[5], strides[4];
    cuuint32_t box[5], elementStrides[5];
    for (size_t i = 0; i < rank; ++i) {
      dims[i] = cuuint64_t(valueOf(t.shape[rank - 1 - i], storage));
      box[i] = cuuint32_t(t.block[rank - 1 - i]);
      elementStrides[i] = 1;
      if (i + 1 < rank)
        strides[i] = cuuint64_t(valueOf(t.strides[rank - 2 - i], storage)) * t.elementBytes;
    }
    CUtensorMapDataType type = t.elementBytes == 1   ? CU_TENSOR_MAP_DATA_TYPE_UINT8
                               : t.elementBytes == 2 ? CU_TENSOR_MAP_DATA_TYPE_UINT16
                               : t.elementBytes == 4 ? CU_TENSOR_MAP_DATA_TYPE_UINT32
                                                     : CU_TENSOR_MAP_DATA_TYPE_UINT64;
    CUtensorMapSwizzle swizzle = m.swizzleBytes == 128  ? CU_TENSOR_MAP_SWIZZLE_128B
                                 : m.swizzleBytes == 64 ? CU_TENSOR_MAP_SWIZZLE_64B
                                 : m.swizzleBytes == 32 ? CU_TENSOR_MAP_SWIZZLE_32B
                                                        : CU_TENSOR_MAP_SWIZZLE_NONE;
    // Zeros outside the tensor (OOB fill NONE), as tile.descriptor_load promises.
    CUresult r = d.cuTensorMapEncodeTiled(
        &maps[n], type, cuuint32_t(rank), reinterpret_cast<void *>(storage[t.base]), dims,
        strides, box, elementStrides, CU_TENSOR_MAP_INTERLEAVE_NONE, swizzle,
        CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r != CUDA_SUCCESS)
      throw Error(Error::Kind::Argument,
                  where(t.base) + ": the TMA cannot describe the tensor of its descriptor "
                                  "(cuTensorMapEncodeTiled: " +
                      cudaErrorText(d, r) + ")");
  }
}

void KernelState::checkDescriptors(const CompiledKernel &k, const uint64_t *storage) const {
  for (size_t n = 0; n < k.descriptors.size(); ++n) {
    const TensorDescriptor &d = k.descriptors[n];
    const std::string which = "tensor descriptor " + std::to_string(n + 1) + " (of '" +
                              sig.params[d.base].name + "')";
    auto value = [&](const TensorDescriptor::Operand &o) { return valueOf(o, storage); };
    auto fail = [&](const TensorDescriptor::Operand &o, const std::string &what) {
      throw Error(Error::Kind::Argument,
                  (o.param >= 0 ? where(o.param) : "kernel '" + sig.name + "'") + ": " + which +
                      ": " + what);
    };
    if (storage[d.base] % 16 != 0)
      throw Error(Error::Kind::Argument, where(d.base) + ": " + which + ": the base address " +
                                             hexAddress(storage[d.base]) +
                                             " is not 16-byte aligned");
    const size_t rank = d.block.size();
    for (size_t i = 0; i < rank; ++i) {
      int64_t extent = value(d.shape[i]);
      if (extent < 1 || extent > (int64_t(1) << 32))
        fail(d.shape[i], "shape[" + std::to_string(i) + "] = " + std::to_string(extent) +
                             " is not in [1, 2^32]");
    }
    for (size_t i = 0; i + 1 < rank; ++i) {
      int64_t stride = value(d.strides[i]);
      int64_t bytes = stride * int64_t(d.elementBytes);
      if (stride < 1 || bytes % 16 != 0 || bytes >= (int64_t(1) << 40))
        fail(d.strides[i], "strides[" + std::to_string(i) + "] = " + std::to_string(stride) +
                               " elements (" + std::to_string(bytes) +
                               " bytes) must be positive, a multiple of 16 bytes and less "
                               "than 2^40 bytes");
    }
  }
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

CompileRequest KernelState::request(Specialization mask) const {
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
  request.warpSpecialize = options.warpSpecialize;
  return request;
}

/// Runs `f` when the scope ends, however it ends.
struct AtExit {
  std::function<void()> f;
  ~AtExit() { f(); }
};

/// What ptxas made of a loaded kernel: registers, stack and static shared memory from the
/// function's attributes; spills from the JIT's log, which is empty when the driver found the
/// binary in its own cache; then what the disk cache kept (`before`) stands.
static PtxasReport loadedReport(const Driver &d, CUfunction f, const std::string &entry,
                                const std::string &jitLog, const PtxasReport &before) {
  std::map<std::string, PtxasReport> parsed = parsePtxasLog(jitLog);
  PtxasReport r = parsed.count(entry) ? parsed.at(entry) : before;
  int value = 0;
  if (d.cuFuncGetAttribute(&value, CU_FUNC_ATTRIBUTE_NUM_REGS, f) == CUDA_SUCCESS)
    r.registers = value;
  if (d.cuFuncGetAttribute(&value, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, f) == CUDA_SUCCESS)
    r.stackBytes = value;
  if (d.cuFuncGetAttribute(&value, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, f) == CUDA_SUCCESS)
    r.staticSharedBytes = value;
  return r;
}

static bool sameReport(const PtxasReport &a, const PtxasReport &b) {
  return a.registers == b.registers && a.spillStoreBytes == b.spillStoreBytes &&
         a.spillLoadBytes == b.spillLoadBytes && a.stackBytes == b.stackBytes &&
         a.staticSharedBytes == b.staticSharedBytes && a.log == b.log;
}

std::unique_ptr<Variant> KernelState::build(Specialization mask) {
  CompileRequest request = this->request(mask);
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
  // Kept on disk whether or not it loads here (compiling is what costs), once loaded with
  // ptxas's report.
  bool store = ctx->disk && !cached;
  const Variant *built = v.get(); // outlives `v`, which the return moves from
  AtExit storeOnExit{[&] {
    if (store)
      ctx->disk->store(key, built->compiled);
  }};
  if (!ctx->driver)
    return v; // compile-only context

  const Driver &d = ctx->current("loading kernel '" + sig.name + "'");
  if (ck.sharedBytes > ctx->maxShared)
    throw Error(Error::Kind::Argument,
                "kernel '" + sig.name + "' needs " + std::to_string(ck.sharedBytes) +
                    " bytes of shared memory per block; " + ctx->deviceName + " allows " +
                    std::to_string(ctx->maxShared) + " (use a smaller block or fewer stages)");

  // JIT the PTX; keep the JIT's log for the error message, and its verbose info (ptxas's
  // register and spill report) for the kernel's.
  char errorLog[16384] = {0}, infoLog[16384] = {0};
  CUjit_option opts[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                         CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                         CU_JIT_LOG_VERBOSE};
  void *vals[] = {errorLog, reinterpret_cast<void *>(uintptr_t(sizeof errorLog)), infoLog,
                  reinterpret_cast<void *>(uintptr_t(sizeof infoLog)),
                  reinterpret_cast<void *>(uintptr_t(1))};
  CUresult r = d.cuModuleLoadDataEx(&v->module, ck.ptx.c_str(), 5, opts, vals);
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
  PtxasReport report = loadedReport(d, v->function, ck.name, infoLog, ck.ptxas);
  store |= ctx->disk && !sameReport(report, ck.ptxas); // an entry kept before it was loaded
  v->compiled.ptxas = std::move(report);
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
  if (!compileForInterpreter(request, sig.params, v->interpreted, v->compiled.descriptors,
                             error))
    throw Error(Error::Kind::Compile, error);
  v->compiled.name = sig.name;
  v->compiled.numWarps = options.numWarps ? options.numWarps : 4; // unused by the interpreter
  v->compiled.params = sig.params;
  return v;
}

// --- launching -----------------------------------------------------------------------

void KernelState::launchPacked(const Grid &grid, CUstream stream, Specialization mask,
                               const uint64_t *storage) {
  if (!ctx->interpret) {
    launchVariant(variant(mask), grid, stream, storage);
    return;
  }
  // The interpreter ignores specializations: one variant serves every launch.
  const Variant &v = variant({});
  checkDescriptors(v.compiled, storage);
  std::string error;
  if (!runOnInterpreter(*v.interpreted, {uint32_t(grid.x), uint32_t(grid.y), uint32_t(grid.z)},
                        storage, HostMemory::get().buffers(), error))
    throw Error(Error::Kind::Execution, error);
}

void KernelState::launchVariant(const Variant &v, const Grid &grid, CUstream stream,
                                const uint64_t *storage) const {
  checkDescriptors(v.compiled, storage);
  void *params[kMaxParams];
  for (size_t i = 0; i < sig.params.size(); ++i)
    params[i] = const_cast<uint64_t *>(&storage[i]); // the driver only reads them
  // Tensor maps follow, by value (the driver copies them at the launch).
  CUtensorMap maps[kMaxTensorMaps];
  const size_t nmaps = v.compiled.tensorMaps.size();
  if (nmaps > kMaxTensorMaps || sig.params.size() + nmaps > kMaxParams)
    throw Error(Error::Kind::Argument, "kernel '" + sig.name + "' has " + std::to_string(nmaps) +
                                           " tensor maps; lacc launches at most " +
                                           std::to_string(kMaxTensorMaps));
  if (nmaps) {
    encodeTensorMaps(v.compiled, storage, maps);
    for (size_t i = 0; i < nmaps; ++i)
      params[sig.params.size() + i] = &maps[i];
  }
  const Driver &d = *ctx->driver;
  CUcontext cur = nullptr;
  if (d.cuCtxGetCurrent(&cur) != CUDA_SUCCESS || cur != ctx->context)
    check(d, d.cuCtxSetCurrent(ctx->context), "cuCtxSetCurrent");
  CUresult r = d.cuLaunchKernel(v.function, unsigned(grid.x), unsigned(grid.y), unsigned(grid.z),
                                v.compiled.numWarps * 32, 1, 1, v.sharedBytes, stream, params,
                                nullptr);
  if (r != CUDA_SUCCESS)
    throw Error(Error::Kind::Cuda,
                "cuLaunchKernel of kernel '" + sig.name + "' (grid " + std::to_string(grid.x) +
                    "x" + std::to_string(grid.y) + "x" + std::to_string(grid.z) + ", " +
                    std::to_string(v.compiled.numWarps * 32) + " threads, " +
                    std::to_string(v.sharedBytes) + " bytes of shared memory) failed: " +
                    cudaErrorText(d, r));
}

// --- autotuning ------------------------------------------------------------------------
//
// Each config is a kernel of its own (candidates), so compiling, caching and loading are
// those of any kernel. Tuning happens under the kernel's mutex, once per specialization and
// set of key values; later launches find the choice as they find a variant.

const Choice *KernelState::findChoice(Specialization mask, const uint64_t *storage) const {
  const std::vector<unsigned> &key = sig.autotune->key;
  auto matches = [&](const Choice &c) {
    if (!(c.mask == mask))
      return false;
    for (size_t j = 0; j < key.size(); ++j)
      if (c.key[j] != storage[key[j]])
        return false;
    return true;
  };
  if (const Choice *c = lastChoice.load(std::memory_order_acquire); c && matches(*c))
    return c;
  for (const auto &c : choices) // callers that get here hold the mutex
    if (matches(*c))
      return c.get();
  return nullptr;
}

KernelState &KernelState::chosen(Specialization mask, const uint64_t *storage,
                                 const GridOf &grid, CUstream stream) {
  if (ctx->interpret)
    mask = {};
  // The hot path: the choice used last, without a lock (choices are never freed before the
  // kernel, so the pointer stays valid).
  const std::vector<unsigned> &key = sig.autotune->key;
  if (const Choice *c = lastChoice.load(std::memory_order_acquire); c && c->mask == mask) {
    size_t j = 0;
    while (j < key.size() && c->key[j] == storage[key[j]])
      ++j;
    if (j == key.size())
      return *c->config;
  }
  std::lock_guard<std::mutex> lock(mutex);
  const Choice *found = findChoice(mask, storage);
  if (!found) {
    auto choice = std::make_unique<Choice>();
    choice->mask = mask;
    for (unsigned i : key)
      choice->key.push_back(storage[i]);
    if (ctx->interpret) {
      choice->config = firstThatCompiles();
    } else {
      choice->config = tune(mask, storage, grid, stream); // throws before anything is kept
    }
    choices.push_back(std::move(choice));
    found = choices.back().get();
  }
  lastChoice.store(found, std::memory_order_release);
  return *found->config;
}

std::string KernelState::keyText(const uint64_t *storage) const {
  std::string text;
  for (unsigned i : sig.autotune->key)
    text += (text.empty() ? "" : ", ") + sig.params[i].name + "=" +
            argumentText(sig.params[i], storage[i]);
  return text.empty() ? "no key" : text;
}

void KernelState::noConfigWorks(const std::string &key, const std::vector<Trial> &trials) const {
  std::string message = "kernel '" + sig.name + "' (@autotune at " + sig.autotune->where +
                        "): no config works for " + key + ":";
  // Failures all of one kind (every config fails to compile, say) keep it.
  Error::Kind kind = trials.front().kind;
  for (size_t i = 0; i < trials.size(); ++i) {
    std::string reason = trials[i].failure;
    for (size_t at = reason.find('\n'); at != std::string::npos; at = reason.find('\n', at + 5))
      reason.replace(at, 1, "\n    ");
    message += "\n  config " + std::to_string(i + 1) + " (" + sig.autotune->configs[i].text +
               "): " + reason;
    if (trials[i].kind != kind)
      kind = Error::Kind::Argument;
  }
  throw Error(kind, message);
}

std::vector<Trial> KernelState::buildAll(Specialization mask) {
  std::vector<Trial> trials(candidates.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next++) < trials.size();) {
      try {
        trials[i].built = &candidates[i]->variant(mask);
      } catch (const std::exception &e) {
        trials[i].failed(e);
      }
    }
  };
  // Compiling is most of what tuning costs, and lacc::compile is thread-safe: one thread per
  // config, up to the machine's cores (two at least, so that a slow config never holds up
  // the others alone).
  const size_t threads =
      std::min<size_t>(trials.size(), std::max(2u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t)
    pool.emplace_back(work);
  work();
  for (std::thread &t : pool)
    t.join();
  return trials;
}

KernelState *KernelState::firstThatCompiles() {
  // No timing on the CPU: the first config that compiles, so that a run is reproducible.
  std::vector<Trial> trials(candidates.size());
  for (size_t i = 0; i < candidates.size(); ++i) {
    try {
      candidates[i]->variant({});
    } catch (const std::exception &e) {
      trials[i].failed(e);
      continue;
    }
    if (printAutotuningFromEnv()) {
      std::string text = "autotune: kernel '" + sig.name + "' (" + sig.autotune->where +
                         ") on the CPU interpreter, which cannot time: config " +
                         std::to_string(i + 1) + " (" + sig.autotune->configs[i].text +
                         "), the first that compiles";
      for (size_t j = 0; j < i; ++j)
        text += "\n  config " + std::to_string(j + 1) + " (" + sig.autotune->configs[j].text +
                "): skipped: " + firstLine(trials[j].failure);
      log(LogLevel::Info, text);
    }
    return candidates[i].get();
  }
  noConfigWorks("the CPU interpreter", trials);
}

KernelState *KernelState::fromRecord(Specialization mask, const CacheKey &key,
                                     const std::string &keyText) {
  std::optional<TuningRecord> record = ctx->disk->loadTuning(key);
  if (!record)
    return nullptr;
  const AutotuneSpec &spec = *sig.autotune;
  const uint32_t w = record->winner;
  // The source is in the key, so the configs match; checked anyway, as nothing read from
  // disk is trusted.
  if (record->trials.size() != spec.configs.size() || record->trials[w].config != spec.configs[w].text)
    return nullptr;
  try {
    candidates[w]->variant(mask);
  } catch (const std::exception &e) {
    log(LogLevel::Warning, "kernel '" + sig.name + "': config " + std::to_string(w + 1) + " (" +
                               spec.configs[w].text + "), which " +
                               ctx->disk->tuningPathFor(key) + " chose for " + keyText +
                               ", fails now (" + firstLine(e.what()) + "); tuning again");
    return nullptr;
  }
  if (printAutotuningFromEnv())
    log(LogLevel::Info, "autotune: kernel '" + sig.name + "' (" + spec.where + "), " + keyText +
                            ": config " + std::to_string(w + 1) + " (" + spec.configs[w].text +
                            ", " + msText(record->trials[w].ms) + " when tuned), the winner " +
                            "kept in " + ctx->disk->tuningPathFor(key) + "; not timed again");
  return candidates[w].get();
}

KernelState *KernelState::tune(Specialization mask, const uint64_t *storage, const GridOf &grid,
                               CUstream stream) {
  const AutotuneSpec &spec = *sig.autotune;
  const std::string key = keyText(storage);
  CacheKey recordKey;
  if (ctx->disk) {
    // The kernel as the caller made it (source, constants, options, specialization,
    // target, compiler), and where and for what it runs.
    std::string description = "autotune\n" + makeCacheKey(request(mask)).description +
                              "device " + ctx->deviceName + "\ntuning_key";
    for (unsigned i : spec.key)
      description += " " + sig.params[i].name + "=" + argumentText(sig.params[i], storage[i]);
    recordKey = makeKey(description + "\n");
    if (!ctx->alwaysCompile)
      if (KernelState *kept = fromRecord(mask, recordKey, key))
        return kept;
  }

  auto start = std::chrono::steady_clock::now();
  std::vector<Trial> trials = buildAll(mask);
  auto compiled = std::chrono::steady_clock::now();

  // Every timed run starts from the caller's data: the restore= buffers are copied aside
  // first and back before each run, and once more at the end for the launch that follows.
  {
    std::vector<std::pair<std::string, uint64_t>> restored;
    for (unsigned i : spec.restore)
      restored.emplace_back(sig.params[i].name, storage[i]);
    const Driver &d = *ctx->driver;
    SavedBuffers saved(d, stream, sig.name, restored);
    for (size_t i = 0; i < candidates.size(); ++i) {
      Trial &t = trials[i];
      if (!t.built)
        continue;
      KernelState &c = *candidates[i];
      try {
        Grid g = grid(c.constants);
        c.checkGrid(g);
        t.ms = medianMs(d, stream, [&] { saved.restore(); },
                        [&] { c.launchVariant(*t.built, g, stream, storage); });
      } catch (const std::exception &e) {
        t.failed(e);
      }
    }
    saved.restore();
  }
  auto timed = std::chrono::steady_clock::now();

  size_t winner = candidates.size();
  for (size_t i = 0; i < candidates.size(); ++i)
    if (trials[i].ms >= 0 && (winner == candidates.size() || trials[i].ms < trials[winner].ms))
      winner = i;
  if (winner == candidates.size())
    noConfigWorks(key, trials);

  TuningRecord record;
  record.winner = static_cast<uint32_t>(winner);
  for (size_t i = 0; i < candidates.size(); ++i)
    record.trials.push_back({spec.configs[i].text, trials[i].ms, trials[i].failure});
  bool kept = ctx->disk && ctx->disk->storeTuning(recordKey, record);

  if (printAutotuningFromEnv()) {
    auto seconds = [](auto from, auto to) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3g s", std::chrono::duration<double>(to - from).count());
      return std::string(buf);
    };
    std::string text = "autotune: kernel '" + sig.name + "' (" + spec.where + "), " + key +
                       ", on " + ctx->deviceName + " (" + ctx->arch + "): " +
                       std::to_string(candidates.size()) + " configs compiled in " +
                       seconds(start, compiled) + ", timed in " + seconds(compiled, timed);
    for (size_t i = 0; i < candidates.size(); ++i) {
      const Trial &t = trials[i];
      text += "\n  config " + std::to_string(i + 1) + " (" + spec.configs[i].text + "): ";
      if (t.ms < 0) {
        text += "skipped: " + firstLine(t.failure);
        continue;
      }
      const CompiledKernel &ck = t.built->compiled;
      text += msText(t.ms) + ", " + ck.ptxas.summary() + ", " + std::to_string(ck.sharedBytes) +
              " B dynamic shared memory";
    }
    text += "\n  winner: config " + std::to_string(winner + 1) + " (" + spec.configs[winner].text +
            ")" + (kept ? "; kept in " + ctx->disk->tuningPathFor(recordKey) : "");
    log(LogLevel::Info, text);
  }
  return candidates[winner].get();
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
  size_t n = 0;
  for (const auto &c : k.candidates)
    n += Kernel(c).variantCount();
  std::lock_guard<std::mutex> lock(k.mutex);
  return n + k.variants.size();
}

bool Kernel::autotuned() const { return stateOf(s_).sig.autotune != nullptr; }

void Kernel::launchImpl(const GridOf &grid, CUstream_st *stream, const Arg *args,
                        size_t n) const {
  KernelState &k = stateOf(s_);
  if (grid.fixed)
    k.checkGrid(*grid.fixed); // a wrong grid is reported before the arguments
  uint64_t storage[kMaxParams];
  Specialization mask = k.pack(args, n, storage);
  if (!k.ctx->interpret && !k.ctx->driver)
    k.ctx->current("cannot launch kernel '" + k.sig.name + "'"); // throws
  KernelState &run = k.sig.autotune ? k.chosen(mask, storage, grid, stream) : k;
  Grid g = grid(run.constants);
  if (!grid.fixed)
    run.checkGrid(g);
  run.launchPacked(g, stream, mask, storage);
}

const CompiledKernel &Kernel::compileImpl(const Arg *args, size_t n) const {
  KernelState &k = stateOf(s_);
  uint64_t storage[kMaxParams];
  Specialization mask = k.pack(args, n, storage);
  if (k.ctx->interpret)
    mask = {};
  if (!k.sig.autotune)
    return k.variant(mask).compiled;
  std::lock_guard<std::mutex> lock(k.mutex);
  if (const Choice *c = k.findChoice(mask, storage))
    return c->config->variant(mask).compiled;
  std::vector<Trial> trials = k.buildAll(mask);
  for (const Trial &t : trials)
    if (t.built)
      return t.built->compiled;
  k.noConfigWorks(k.keyText(storage), trials);
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
  if (!k.sig.autotune)
    return k.variant(mask).function;
  std::lock_guard<std::mutex> lock(k.mutex);
  const Choice *c = k.findChoice(mask, storage);
  if (!c)
    throw Error(Error::Kind::Argument,
                "kernel '" + k.sig.name + "' is @autotune'd and no launch has chosen its config "
                "for these arguments yet (" + k.keyText(storage) + "); launch it once first");
  return c->config->variant(mask).function;
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

/// Under @autotune, what a config sets is the config's to choose: the caller giving it too
/// would be silently overridden, so it is an error.
static void checkAgainstConfigs(const std::string &name, const AutotuneSpec &spec,
                                const ConstMap &constants, const KernelOptions &options) {
  auto fail = [&](const std::string &what, const AutotuneConfig &c) {
    throw Error(Error::Kind::Argument,
                "kernel '" + name + "': " + what + ", which @autotune (" + spec.where +
                    ") tunes (config " + std::to_string(c.number) + ": " + c.text +
                    "); leave it to the configs");
  };
  for (const AutotuneConfig &c : spec.configs) {
    for (const auto &[cname, value] : constants)
      if (c.constants.count(cname))
        fail("the constants give '" + cname + "' = " + value.toString(), c);
    if (options.numWarps && c.numWarps)
      fail("KernelOptions::numWarps is " + std::to_string(options.numWarps), c);
    if (options.numStages && c.numStages)
      fail("KernelOptions::numStages is " + std::to_string(options.numStages), c);
  }
}

/// Module::kernel, and each config of an @autotune'd kernel (`config`): the caller's constants
/// and options with the config's, checked the same way.
static std::shared_ptr<KernelState> makeKernelState(ModuleState &m, const std::string &name,
                                                    const ConstMap &constants,
                                                    const KernelOptions &options,
                                                    const AutotuneConfig *config) {
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
    throw Error(Error::Kind::Argument,
                "kernel '" + name + "'" +
                    (config ? ", @autotune config " + std::to_string(config->number) + " (" +
                                  config->text + ")"
                            : "") +
                    ": " + what);
  };
  const bool tuned = sig->autotune && !config; // the kernel the caller gets: its configs run
  if (tuned)
    checkAgainstConfigs(name, *sig->autotune, constants, options);

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
    if (!c.hasDefault && !values.count(c.name) && !tuned) // each config is checked on its own
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
          (options.warpSpecialize ? "" : "|nows") +
          (options.specializeDivisibility ? "/auto/" : "/fixed/") + std::to_string(promised) +
          (tuned ? "/autotune" : "");
  std::vector<std::shared_ptr<KernelState>> candidates;
  if (tuned)
    for (const AutotuneConfig &c : sig->autotune->configs) {
      ConstMap merged = constants;
      for (const auto &[cname, value] : c.constants)
        merged[cname] = value;
      KernelOptions o = options;
      o.numWarps = c.numWarps ? c.numWarps : o.numWarps;
      o.numStages = c.numStages ? c.numStages : o.numStages;
      candidates.push_back(makeKernelState(m, name, merged, o, &c));
    }
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
    if (config)
      k->sig.autotune = nullptr; // a config is a plain kernel
    k->candidates = std::move(candidates);
    slot = std::move(k);
  }
  return slot;
}

Kernel Module::kernel(const std::string &name, const ConstMap &constants,
                      const KernelOptions &options) const {
  return Kernel(makeKernelState(stateOf(s_), name, constants, options, nullptr));
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
  check(d, d.cuDeviceGetAttribute(&c.multiprocessors, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                  c.device),
        "cuDeviceGetAttribute(MULTIPROCESSOR_COUNT)");
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
int Context::multiprocessorCount() const { return s_->multiprocessors; }
size_t Context::allocatedBytes() const { return s_->liveBytes; }
size_t Context::peakAllocatedBytes() const { return s_->peakBytes; }
void Context::resetPeakAllocatedBytes() { s_->peakBytes = size_t(s_->liveBytes); }
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
  if (s_->interpret) {
    DeviceBuffer b(s_, HostMemory::get().allocate(bytes), bytes);
    s_->allocated(bytes);
    return b;
  }
  const Driver &d = s_->current("alloc(" + std::to_string(bytes) + ")");
  CUdeviceptr p = 0;
  CUresult r = d.cuMemAlloc(&p, bytes);
  if (r != CUDA_SUCCESS)
    throw Error(Error::Kind::Cuda, "cuMemAlloc of " + std::to_string(bytes) +
                                       " bytes failed: " + cudaErrorText(d, r));
  s_->allocated(bytes);
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
  if (address_ && ctx_)
    ctx_->liveBytes -= bytes_;
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

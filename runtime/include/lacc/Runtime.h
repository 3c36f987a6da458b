//===- lacc/Runtime.h - JIT-compile, cache and launch tile kernels ---------===//
//
//   lacc::Context ctx;                                   // device 0, default cache dir
//   lacc::Module mod = ctx.loadFile("kernels/vector_add.tile");
//   lacc::Kernel add = mod.kernel("vector_add", {{"BLOCK", 1024}});
//   lacc::DeviceBuffer x = ctx.upload(hostX), y = ..., z = ctx.alloc(n * 4);
//   add.launch(lacc::Grid((n + 1023) / 1024), x, y, z, n);   // or (grid, stream, args...)
//
// The CUDA driver is loaded at run time, so this library works on machines
// without one; whatever needs the GPU throws a clear lacc::Error there. With
// LACC_INTERPRET=1 (or ContextOptions::interpret) the same program runs on the
// CPU interpreter instead, on host memory, like Triton's TRITON_INTERPRET=1.
// Context, Module and Kernel are cheap, copyable handles on shared state: a
// Kernel keeps its Module and Context alive. All of them are thread-safe.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_RUNTIME_H
#define LACC_RUNTIME_H

#include "lacc/Compiler.h"
#include "lacc/Error.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

struct CUstream_st;

namespace lacc {

namespace detail {
struct ContextState;
struct ModuleState;
struct KernelState;
struct BufferState;
struct EventState;
} // namespace detail

/// Number of programs along x, y, z: x in [1, 2^31), y and z in [1, 65536).
/// Signed so that a negative or overflowed size is reported, not wrapped.
struct Grid {
  int64_t x = 1, y = 1, z = 1;
  Grid(int64_t x = 1, int64_t y = 1, int64_t z = 1) : x(x), y(y), z(z) {}
};

/// A CUDA stream handle (not owned). The default is the legacy default stream.
class Stream {
public:
  Stream() = default;
  explicit Stream(CUstream_st *stream) : stream_(stream) {}
  CUstream_st *handle() const { return stream_; }

private:
  CUstream_st *stream_ = nullptr;
};

/// A device address that is not a lacc::DeviceBuffer (e.g. from another
/// library). Distinct from an integer so that it can be checked as a pointer.
struct DevicePtr {
  uint64_t address = 0;
  DevicePtr() = default;
  explicit DevicePtr(uint64_t a) : address(a) {}
  DevicePtr operator+(int64_t bytes) const { return DevicePtr(address + bytes); }
};

/// Device memory, freed when the last handle goes. Move-only. In an
/// interpreting context it is host memory that the interpreter checks every
/// access against; it starts as 0xFF bytes (NaN as floats), so that reading
/// what was never written shows.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(DeviceBuffer &&) noexcept;
  DeviceBuffer &operator=(DeviceBuffer &&) noexcept;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer();

  size_t size() const { return bytes_; }
  DevicePtr ptr() const { return DevicePtr(address_); }
  explicit operator bool() const { return address_ != 0; }

  /// Host -> device, `bytes` at `offset`; both checked against size().
  void copyFrom(const void *host, size_t bytes, size_t offset = 0);
  /// Device -> host. Synchronous with respect to the host.
  void copyTo(void *host, size_t bytes, size_t offset = 0) const;
  /// Sets every byte to `value` (for poisoning outputs in tests).
  void fill(uint8_t value);
  /// Device -> device: the first `bytes` of `src` to the start of this buffer
  /// (both sizes checked), ordered after the earlier work of `stream` and
  /// asynchronous to the host, like a launch. Interpreting: done when it returns.
  void copyFromDevice(const DeviceBuffer &src, size_t bytes, const Stream &stream = {});

  template <class T> void upload(const std::vector<T> &host) {
    static_assert(std::is_trivially_copyable<T>::value, "upload needs trivially copyable elements");
    copyFrom(host.data(), host.size() * sizeof(T));
  }
  template <class T> std::vector<T> download() const {
    static_assert(std::is_trivially_copyable<T>::value, "download needs trivially copyable elements");
    std::vector<T> host(bytes_ / sizeof(T));
    copyTo(host.data(), host.size() * sizeof(T));
    return host;
  }

private:
  friend class Context;
  DeviceBuffer(std::shared_ptr<detail::ContextState> ctx, uint64_t address, size_t bytes)
      : ctx_(std::move(ctx)), address_(address), bytes_(bytes) {}
  void release() noexcept;

  std::shared_ptr<detail::ContextState> ctx_;
  uint64_t address_ = 0;
  size_t bytes_ = 0;
};

/// A point in a stream's work, for timing the device: a CUDA event. In an
/// interpreting context, where work is done when its call returns, record()
/// reads the host clock instead. A cheap, copyable handle (Context::event()).
///
///   lacc::Event start = ctx.event(), stop = ctx.event();
///   start.record(); kernel.launch(grid, args...); stop.record();
///   double ms = stop.msSince(start);   // waits for `stop`
class Event {
public:
  Event() = default;
  /// Marks the current end of `stream`'s work (again: moves the mark).
  void record(const Stream &stream = {});
  /// Milliseconds from `start`'s mark to this one, both recorded in the same
  /// context; waits until the device has passed this event's mark.
  double msSince(const Event &start) const;

private:
  friend class Context;
  explicit Event(std::shared_ptr<detail::EventState> s) : s_(std::move(s)) {}
  std::shared_ptr<detail::EventState> s_;
};

namespace detail {
/// One launch argument, as the C++ type said it was. Built inline by launch();
/// checked against the kernel's parameter list by the runtime.
struct Arg {
  enum class Kind : uint8_t { Pointer, Int, UInt, Float, Bool };
  enum class Elem : uint8_t { Any, Int, Float }; // what a typed host pointer points to
  Kind kind;
  Elem elem = Elem::Any;
  uint8_t elemBytes = 0; // 0: unknown
  union {
    uint64_t u;
    int64_t i;
    double f;
  };
};

/// What a typed host-side pointer says about the elements it points to.
template <class T, bool = std::is_arithmetic<T>::value> struct PointeeInfo {
  static constexpr Arg::Elem elem = Arg::Elem::Any; // void, structs: unchecked
  static constexpr uint8_t bytes = 0;
};
template <class T> struct PointeeInfo<T, true> {
  // 2-byte integers often hold bf16/f16 bits, so they may point at floats.
  static constexpr Arg::Elem elem = std::is_floating_point<T>::value ? Arg::Elem::Float
                                    : sizeof(T) == 2                 ? Arg::Elem::Any
                                                                     : Arg::Elem::Int;
  static constexpr uint8_t bytes = sizeof(T);
};

template <class T> Arg makeArg(const T &value) {
  using U = std::remove_cv_t<std::remove_reference_t<T>>;
  Arg a{};
  if constexpr (std::is_same<U, DeviceBuffer>::value) {
    a.kind = Arg::Kind::Pointer;
    a.u = value.ptr().address;
  } else if constexpr (std::is_same<U, DevicePtr>::value) {
    a.kind = Arg::Kind::Pointer;
    a.u = value.address;
  } else if constexpr (std::is_same<U, std::nullptr_t>::value) {
    a.kind = Arg::Kind::Pointer;
    a.u = 0;
  } else if constexpr (std::is_pointer<U>::value) {
    using P = std::remove_cv_t<std::remove_pointer_t<U>>;
    a.kind = Arg::Kind::Pointer;
    a.elem = PointeeInfo<P>::elem;
    a.elemBytes = PointeeInfo<P>::bytes;
    a.u = reinterpret_cast<uintptr_t>(value);
  } else if constexpr (std::is_same<U, bool>::value) {
    a.kind = Arg::Kind::Bool;
    a.u = value;
  } else if constexpr (std::is_integral<U>::value && std::is_signed<U>::value) {
    a.kind = Arg::Kind::Int;
    a.i = value;
  } else if constexpr (std::is_integral<U>::value) {
    a.kind = Arg::Kind::UInt;
    a.u = value;
  } else if constexpr (std::is_enum<U>::value) {
    return makeArg(static_cast<std::underlying_type_t<U>>(value));
  } else if constexpr (std::is_floating_point<U>::value) {
    a.kind = Arg::Kind::Float;
    a.f = static_cast<double>(value);
  } else {
    static_assert(sizeof(U) == 0, "lacc: a kernel argument must be a DeviceBuffer, DevicePtr, "
                                  "pointer, integer, float or bool");
  }
  return a;
}

/// The grid of one launch: fixed, or computed from the const values of the kernel that runs
/// (for an @autotune'd kernel, those of the config chosen). Points at the caller's objects,
/// which outlive the launch call: nothing is copied or allocated.
struct GridOf {
  const Grid *fixed = nullptr;
  const void *function = nullptr;
  Grid (*call)(const void *function, const ConstMap &constants) = nullptr;

  Grid operator()(const ConstMap &constants) const {
    return fixed ? *fixed : call(function, constants);
  }
};

template <class F> constexpr bool isGridFunction() {
  return std::is_invocable_r<Grid, const std::remove_reference_t<F> &, const ConstMap &>::value;
}

template <class F> GridOf gridOf(const F &f) {
  GridOf g;
  g.function = &f;
  g.call = [](const void *fn, const ConstMap &c) -> Grid { return (*static_cast<const F *>(fn))(c); };
  return g;
}

/// A lacc::Stream, or a raw CUstream: either may follow the grid in launch().
template <class T> constexpr bool isStream() {
  using U = std::remove_cv_t<std::remove_reference_t<T>>;
  return std::is_same<U, Stream>::value || std::is_same<U, CUstream_st *>::value;
}
inline CUstream_st *streamHandle(const Stream &s) { return s.handle(); }
inline CUstream_st *streamHandle(CUstream_st *s) { return s; }
} // namespace detail

/// How a kernel is specialized beyond its const values.
struct KernelOptions {
  /// Warps per program and software-pipelining depth; 0: what the kernel's
  /// @kernel(num_warps=, num_stages=) says, else 4 warps and 3 stages.
  unsigned numWarps = 0;
  unsigned numStages = 0;
  /// Registers per thread the kernel may use (.maxnreg, 16..255); 0: ptxas decides.
  unsigned maxRegisters = 0;
  /// On sm_90a, a main loop whose operands all come by TMA gets a producer warpgroup (4 more
  /// warps) issuing the copies; false: the software pipeliner's single-role loop.
  bool warpSpecialize = true;
  /// Like Triton: every launch picks (compiling on first use) the variant for
  /// which of its pointer and integer arguments are divisible by 16.
  bool specializeDivisibility = true;
  /// Parameters promised divisible by 16 on every launch; a launch that breaks
  /// the promise is an error. With specializeDivisibility off, these are the
  /// only ones codegen may assume aligned, and there is one variant.
  std::vector<std::string> assumeDivisible;
};

class Kernel {
public:
  Kernel() = default;

  const std::string &name() const;
  /// The runtime parameters, in launch order (const parameters are not in it).
  const std::vector<Param> &params() const;
  const ConstMap &constants() const;

  /// launch(grid, args...) or launch(grid, stream, args...), the stream a
  /// lacc::Stream or a CUstream. Every argument is
  /// checked against params() before anything reaches the driver; the first
  /// launch of a specialization compiles it (or loads it from the disk cache).
  /// In an interpreting context the kernel has run when launch() returns (the
  /// stream is ignored); an access outside every buffer of Context::alloc or
  /// upload, or a division by zero, is an Error of Kind::Execution.
  template <class... A> void launch(const Grid &grid, A &&...args) const {
    detail::GridOf g;
    g.fixed = &grid;
    launchSplit(g, std::forward<A>(args)...);
  }

  /// The same with the grid computed from the const values of the kernel that runs: for an
  /// @autotune'd kernel the caller's and the chosen config's, as in
  ///
  ///   gemm.launch([&](const lacc::ConstMap &c) {
  ///     return lacc::Grid(cdiv(M, c.at("BLOCK_M").asInt()) * cdiv(N, c.at("BLOCK_N").asInt()));
  ///   }, a, b, c, M, N, K, ...);
  ///
  /// (defaults that neither gives are not in the map). The first launch of an @autotune'd
  /// kernel for a key compiles every config, times the ones that work on these arguments and
  /// keeps the fastest, in memory and in the disk cache; see docs/language.md.
  template <class F, class... A, class = std::enable_if_t<detail::isGridFunction<F>()>>
  void launch(const F &grid, A &&...args) const {
    launchSplit(detail::gridOf(grid), std::forward<A>(args)...);
  }

  /// launch() for arguments only known at run time (test harnesses, bindings
  /// to other languages): the same checks, the same path.
  void launchArgs(const Grid &grid, const std::vector<detail::Arg> &args,
                  const Stream &stream = {}) const {
    detail::GridOf g;
    g.fixed = &grid;
    launchImpl(g, stream.handle(), args.data(), args.size());
  }
  void launchArgs(const std::function<Grid(const ConstMap &)> &grid,
                  const std::vector<detail::Arg> &args, const Stream &stream = {}) const {
    launchImpl(detail::gridOf(grid), stream.handle(), args.data(), args.size());
  }

  /// Compiles (or finds) the specialization these arguments select, without
  /// launching. Checks the arguments as launch() does (but not the grid).
  /// In an interpreting context it prepares the interpreter's form, and the
  /// result has the name and parameters but no PTX. An @autotune'd kernel
  /// compiles every config (in parallel) and returns the chosen one, or, before
  /// a launch has chosen, the first that compiles.
  template <class... A> const CompiledKernel &compile(A &&...args) const {
    detail::Arg packed[sizeof...(A) + 1] = {detail::makeArg(args)...};
    return compileImpl(packed, sizeof...(A));
  }

  /// The CUfunction of the specialization these arguments select (compiling
  /// and loading it if needed), for interoperation: CUDA graphs, benchmarks.
  /// An interpreting context has none (Error::Kind::NoDevice). For an
  /// @autotune'd kernel, that of the config a launch chose for these arguments.
  template <class... A> void *cuFunction(A &&...args) const {
    detail::Arg packed[sizeof...(A) + 1] = {detail::makeArg(args)...};
    return functionImpl(packed, sizeof...(A));
  }

  /// Number of specializations compiled so far (of every config, when @autotune'd).
  size_t variantCount() const;
  /// Whether the kernel is @autotune'd.
  bool autotuned() const;

private:
  friend class Module;
  explicit Kernel(std::shared_ptr<detail::KernelState> s) : s_(std::move(s)) {}

  template <class First, class... A>
  void launchSplit(const detail::GridOf &grid, First &&first, A &&...args) const {
    if constexpr (detail::isStream<First>()) {
      detail::Arg packed[sizeof...(A) + 1] = {detail::makeArg(args)...};
      launchImpl(grid, detail::streamHandle(first), packed, sizeof...(A));
    } else {
      detail::Arg packed[] = {detail::makeArg(first), detail::makeArg(args)...};
      launchImpl(grid, nullptr, packed, sizeof...(A) + 1);
    }
  }
  void launchSplit(const detail::GridOf &grid) const { launchImpl(grid, nullptr, nullptr, 0); }

  void launchImpl(const detail::GridOf &grid, CUstream_st *stream, const detail::Arg *args,
                  size_t n) const;
  const CompiledKernel &compileImpl(const detail::Arg *args, size_t n) const;
  void *functionImpl(const detail::Arg *args, size_t n) const;

  std::shared_ptr<detail::KernelState> s_;
};

class Module {
public:
  Module() = default;

  /// The kernel `name` specialized on `constants` (every const parameter
  /// without a default needs a value). Checks the names and kinds of the
  /// values now; compiles on first launch. The same arguments return the same
  /// Kernel (with its compiled variants), but keep the handle on a hot path.
  Kernel kernel(const std::string &name, const ConstMap &constants = {},
                const KernelOptions &options = {}) const;

  /// The @kernel functions of this source, in order.
  std::vector<std::string> kernelNames() const;
  const std::string &fileName() const;

private:
  friend class Context;
  explicit Module(std::shared_ptr<detail::ModuleState> s) : s_(std::move(s)) {}
  std::shared_ptr<detail::ModuleState> s_;
};

struct ContextOptions {
  /// CUDA device ordinal, or kNoDevice for a context that compiles and caches
  /// but cannot launch or allocate (tools, machines without a GPU).
  int device = 0;
  static constexpr int kNoDevice = -1;
  /// Empty: defaultCacheDir() ($LACC_CACHE_DIR or ~/.cache/lacc).
  std::string cacheDir;
  /// Empty: the device's (sm_80, sm_90a, ...), or sm_90a without a device.
  std::string arch;
  /// Empty: lacc::compileKernel.
  CompileFunction compiler;
  /// Skip the disk cache's lookups (entries are still written); unset: from
  /// LACC_ALWAYS_COMPILE.
  std::optional<bool> alwaysCompile;
  /// No disk cache at all.
  bool diskCache = true;
  /// Run kernels on the CPU interpreter, on host memory, instead of a GPU
  /// (`device`, `arch`, `compiler` and the disk cache are then unused).
  /// Unset: LACC_INTERPRET decides (set to anything but "" or "0": yes), for
  /// every context that would use a GPU; a kNoDevice context only compiles.
  std::optional<bool> interpret;
};

/// The text of the repository's kernels/NAME (e.g. "vector_add.tile") as it
/// was when this program was built, or null when there is no such file. The
/// programs use these copies so that they run wherever they are copied.
const char *embeddedKernelSource(const std::string &name);
/// The names of the embedded kernels/*.tile, sorted.
std::vector<std::string> embeddedKernelNames();

class Context {
public:
  /// Throws lacc::Error: "no CUDA driver found (libcuda.so.1): ..." or
  /// "no CUDA device ..." when options.device is a GPU that is not there.
  explicit Context(ContextOptions options = {});
  /// A context without a device: Context(options with device = kNoDevice).
  static Context offline(ContextOptions options = {});
  /// A GPU context when there is a CUDA driver and device, else an
  /// interpreting one: for programs that must run anywhere (tests, demos).
  /// Other errors (a failing driver) are still thrown.
  static Context gpuOrInterpreter(ContextOptions options = {});

  Module loadFile(const std::string &path);
  Module loadSource(std::string text, std::string name = "<source>");
  /// One of the repository's kernels by file name ("lightning_fwd.tile"): the
  /// copy embedded in this program, or $LACC_KERNELS_DIR/NAME when that
  /// variable is set (to try an edited kernel without rebuilding).
  Module loadEmbedded(const std::string &name);

  DeviceBuffer alloc(size_t bytes);
  template <class T> DeviceBuffer upload(const std::vector<T> &host) {
    DeviceBuffer b = alloc(host.size() * sizeof(T));
    b.upload(host);
    return b;
  }
  /// Waits for all work on the device (nothing to wait for when interpreting).
  void synchronize();
  /// A new event (cuEventCreate), for timing work on this context's device.
  Event event();

  /// Whether kernels run on a GPU; false for compile-only and interpreting contexts.
  bool hasDevice() const;
  /// Whether kernels run on the CPU interpreter.
  bool interpreting() const;
  int device() const;
  /// The GPU's name, "CPU interpreter", or empty for a compile-only context.
  std::string deviceName() const;
  const std::string &arch() const;
  /// Empty when the disk cache is off.
  const std::string &cacheDir() const;
  /// The largest dynamic shared memory a block may use (after opting in).
  size_t maxSharedBytes() const;
  /// The GPU's streaming multiprocessors; 0 for interpreting and compile-only contexts.
  int multiprocessorCount() const;
  /// Bytes of this context's DeviceBuffers alive now, and the most alive at once since the
  /// context was made or the last resetPeakAllocatedBytes() (which sets it to the bytes alive
  /// then): the high-water mark of what alloc() handed out, not the driver's own overheads.
  size_t allocatedBytes() const;
  size_t peakAllocatedBytes() const;
  void resetPeakAllocatedBytes();

private:
  std::shared_ptr<detail::ContextState> s_;
};

} // namespace lacc

#endif // LACC_RUNTIME_H

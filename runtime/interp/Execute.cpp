//===- Execute.cpp - run a pre-resolved kernel on host memory -------------===//
//
// No MLIR here: a switch per op, a loop per tile. Failing ops record a
// message and return false; every caller propagates it, so an error stops the
// whole run at once.
//
//===----------------------------------------------------------------------===//

#include "runtime/interp/Interpreter.h"
#include "runtime/interp/Numerics.h"
#include "runtime/interp/Program.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <limits>

namespace lacc::interp::detail {

const char *eltName(Elt e) {
  static const char *names[] = {"i1",     "i8",  "i16",  "i32", "i64", "f8e4m3",
                                "f8e5m2", "f16", "bf16", "f32", "f64", "ptr"};
  return names[static_cast<int>(e)];
}

namespace {

inline int64_t sext(uint64_t v, int bits) {
  int sh = 64 - bits;
  return static_cast<int64_t>(v << sh) >> sh;
}
inline uint64_t zext(int64_t v, int bits) {
  return bits == 64 ? static_cast<uint64_t>(v) : static_cast<uint64_t>(v) & ((uint64_t(1) << bits) - 1);
}

/// Calls f with a function that rounds a double to `e` (identity for f64).
template <class F> void withRounder(Elt e, F f) {
  switch (e) {
  case Elt::F32:
    return f([](double x) { return static_cast<double>(static_cast<float>(x)); });
  case Elt::BF16:
    return f([](double x) { return num::roundToBF16(x); });
  case Elt::F16:
    return f([](double x) { return num::roundToF16(x); });
  case Elt::F8E4M3:
    return f([](double x) { return num::roundToE4M3(x); });
  case Elt::F8E5M2:
    return f([](double x) { return num::roundToE5M2(x); });
  default:
    return f([](double x) { return x; });
  }
}
double roundTo(Elt e, double x) {
  double r = x;
  withRounder(e, [&](auto rnd) { r = rnd(x); });
  return r;
}

/// `x` rounded to double toward zero with the last bit set when inexact:
/// composes with toOddFloat, so integers of any size round correctly to bf16.
double toOddDouble(long double x) {
  double d = static_cast<double>(x);
  if (static_cast<long double>(d) == x)
    return d;
  uint64_t b;
  std::memcpy(&b, &d, 8);
  if (std::fabs(static_cast<long double>(d)) > std::fabs(x))
    --b;
  b |= 1;
  std::memcpy(&d, &b, 8);
  return d;
}
double intToFloat(long double x, Elt e) {
  if (e == Elt::F64)
    return static_cast<double>(x);
  if (e == Elt::F32)
    return static_cast<float>(x);
  return roundTo(e, toOddDouble(x));
}

uint64_t floatBits(Elt e, double x) {
  switch (e) {
  case Elt::F64: {
    uint64_t b;
    std::memcpy(&b, &x, 8);
    return b;
  }
  case Elt::F32:
    return num::bitsOf(static_cast<float>(x));
  case Elt::BF16:
    return num::floatToBF16Bits(static_cast<float>(x));
  case Elt::F8E4M3:
    return num::miniBits(x, num::kE4M3);
  case Elt::F8E5M2:
    return num::miniBits(x, num::kE5M2);
  default:
    return num::floatToHalfBits(static_cast<float>(x));
  }
}
double bitsFloat(Elt e, uint64_t b) {
  switch (e) {
  case Elt::F64: {
    double d;
    std::memcpy(&d, &b, 8);
    return d;
  }
  case Elt::F32:
    return num::floatOf(static_cast<uint32_t>(b));
  case Elt::BF16:
    return num::bf16BitsToFloat(static_cast<uint16_t>(b));
  case Elt::F8E4M3:
    return num::miniValue(static_cast<uint8_t>(b), num::kE4M3);
  case Elt::F8E5M2:
    return num::miniValue(static_cast<uint8_t>(b), num::kE5M2);
  default:
    return num::halfBitsToFloat(static_cast<uint16_t>(b));
  }
}

template <class T> T readAs(uint64_t addr) {
  T v;
  std::memcpy(&v, reinterpret_cast<const void *>(addr), sizeof(T));
  return v;
}
template <class T> void writeAs(uint64_t addr, T v) {
  std::memcpy(reinterpret_cast<void *>(addr), &v, sizeof(T));
}
int64_t readInt(Elt e, uint64_t addr) {
  switch (e) {
  case Elt::I1:
    return readAs<uint8_t>(addr) ? -1 : 0;
  case Elt::I8:
    return readAs<int8_t>(addr);
  case Elt::I16:
    return readAs<int16_t>(addr);
  case Elt::I32:
    return readAs<int32_t>(addr);
  default:
    return readAs<int64_t>(addr);
  }
}
void writeInt(Elt e, uint64_t addr, int64_t v) {
  switch (e) {
  case Elt::I1:
    return writeAs<uint8_t>(addr, v & 1);
  case Elt::I8:
    return writeAs<int8_t>(addr, static_cast<int8_t>(v));
  case Elt::I16:
    return writeAs<int16_t>(addr, static_cast<int16_t>(v));
  case Elt::I32:
    return writeAs<int32_t>(addr, static_cast<int32_t>(v));
  default:
    return writeAs<int64_t>(addr, v);
  }
}
double readFloat(Elt e, uint64_t addr) {
  switch (e) {
  case Elt::F64:
    return readAs<double>(addr);
  case Elt::F32:
    return readAs<float>(addr);
  case Elt::F8E4M3:
  case Elt::F8E5M2:
    return bitsFloat(e, readAs<uint8_t>(addr));
  default:
    return bitsFloat(e, readAs<uint16_t>(addr));
  }
}
void writeFloat(Elt e, uint64_t addr, double v) {
  switch (e) {
  case Elt::F64:
    return writeAs<double>(addr, v);
  case Elt::F32:
    return writeAs<float>(addr, static_cast<float>(v));
  case Elt::F8E4M3:
  case Elt::F8E5M2:
    return writeAs<uint8_t>(addr, static_cast<uint8_t>(floatBits(e, v)));
  default:
    return writeAs<uint16_t>(addr, static_cast<uint16_t>(floatBits(e, v)));
  }
}

/// arith.maximumf / minimumf: NaN wins, -0 < +0.
double fmaximum(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return a + b;
  if (a == b)
    return std::signbit(a) ? b : a;
  return a > b ? a : b;
}
double fminimum(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return a + b;
  if (a == b)
    return std::signbit(a) ? a : b;
  return a < b ? a : b;
}
/// arith.maxnumf / minnumf: a NaN operand is ignored.
double fmaxnum(double a, double b) { return std::isnan(a) ? b : std::isnan(b) ? a : fmaximum(a, b); }
double fminnum(double a, double b) { return std::isnan(a) ? b : std::isnan(b) ? a : fminimum(a, b); }

bool cmpI(int64_t pred, int64_t a, int64_t b, int bits) {
  uint64_t ua = zext(a, bits), ub = zext(b, bits);
  switch (pred) { // arith::CmpIPredicate
  case 0: return a == b;
  case 1: return a != b;
  case 2: return a < b;
  case 3: return a <= b;
  case 4: return a > b;
  case 5: return a >= b;
  case 6: return ua < ub;
  case 7: return ua <= ub;
  case 8: return ua > ub;
  default: return ua >= ub;
  }
}
bool cmpF(int64_t pred, double a, double b) {
  bool unord = std::isnan(a) || std::isnan(b);
  switch (pred) { // arith::CmpFPredicate
  case 0: return false;
  case 1: return !unord && a == b;
  case 2: return !unord && a > b;
  case 3: return !unord && a >= b;
  case 4: return !unord && a < b;
  case 5: return !unord && a <= b;
  case 6: return !unord && a != b;
  case 7: return !unord;
  case 8: return unord || a == b;
  case 9: return unord || a > b;
  case 10: return unord || a >= b;
  case 11: return unord || a < b;
  case 12: return unord || a <= b;
  case 13: return unord || a != b;
  case 14: return unord;
  default: return true;
  }
}

/// dst[multi-index] = src[sum index_d * strides_d], row-major over `shape`.
template <class T>
void gather(T *dst, const T *src, const int64_t *shape, const int64_t *strides, size_t rank) {
  if (rank == 1) {
    for (int64_t k = 0; k < shape[0]; ++k)
      dst[k] = src[k * strides[0]];
    return;
  }
  int64_t inner = 1;
  for (size_t d = 1; d < rank; ++d)
    inner *= shape[d];
  for (int64_t k = 0; k < shape[0]; ++k)
    gather(dst + k * inner, src + k * strides[0], shape + 1, strides + 1, rank - 1);
}

class Machine {
public:
  Machine(const Program &p, std::array<uint32_t, 3> grid, const Buffer *buffers, size_t numBuffers)
      : P(p), s(p.numSlots), grid(grid), buffers(buffers, buffers + numBuffers) {}

  std::string run(const std::vector<ArgValue> &args) {
    for (const auto &[slot, value] : P.constants)
      s[slot] = value;
    const Block &body = P.blocks[0];
    for (size_t j = 0; j < args.size(); ++j) {
      if (isFloat(P.params[j]))
        s[body.args[j]].f.assign(1, args[j].f);
      else
        s[body.args[j]].i.assign(1, args[j].i);
    }
    for (pid[2] = 0; pid[2] < grid[2]; ++pid[2])
      for (pid[1] = 0; pid[1] < grid[1]; ++pid[1])
        for (pid[0] = 0; pid[0] < grid[0]; ++pid[0])
          if (!block(body))
            return error;
    return {};
  }

private:
  const Program &P;
  std::vector<Slot> s;
  std::array<uint32_t, 3> grid, pid{};
  std::vector<Buffer> buffers;
  size_t lastBuffer = 0;
  std::string error;
  std::vector<float> fa, fb, fc, sa, sb; // dot scratch

  /// c += a * b in f32: each product rounded to f32, added in k order.
  static void accumulate(const std::vector<float> &a, const std::vector<float> &b,
                         std::vector<float> &c, int64_t M, int64_t K, int64_t N) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t k = 0; k < K; ++k) {
        float x = a[i * K + k];
        float *__restrict out = c.data() + i * N;
        const float *__restrict row = b.data() + k * N;
        for (int64_t j = 0; j < N; ++j)
          out[j] += x * row[j];
      }
  }

  bool fail(const Instr &I, const std::string &msg) {
    const auto &w = P.where[I.where];
    char prog[64];
    std::snprintf(prog, sizeof prog, "program (%u, %u, %u)", pid[0], pid[1], pid[2]);
    error = w.loc + ": error: in kernel '" + P.kernel + "', " + prog + ": " + w.op + ": " + msg;
    return false;
  }
  static std::string lane(int64_t k) { return "lane " + std::to_string(k); }

  bool block(const Block &b) {
    for (const Instr &I : b.ops)
      if (!exec(I))
        return false;
    return true;
  }

  // Memory ------------------------------------------------------------------

  bool inside(const Buffer &b, uint64_t addr, uint64_t bytes) const {
    uint64_t start = reinterpret_cast<uint64_t>(b.data);
    return addr >= start && addr - start <= b.bytes && b.bytes - (addr - start) >= bytes;
  }
  bool inBounds(uint64_t addr, uint64_t bytes) {
    if (!buffers.empty() && inside(buffers[lastBuffer], addr, bytes))
      return true;
    for (size_t j = 0; j < buffers.size(); ++j)
      if (inside(buffers[j], addr, bytes)) {
        lastBuffer = j;
        return true;
      }
    return false;
  }
  bool outOfBounds(const Instr &I, int64_t k, uint64_t addr, int64_t bytes, const char *verb) {
    char msg[256];
    std::snprintf(msg, sizeof msg, "lane %" PRId64 " %s %" PRId64 " bytes at 0x%" PRIx64
                  ", outside every registered buffer", k, verb, bytes, addr);
    std::string text = msg;
    // Say where the nearest buffer is: most bugs are off by a little.
    const Buffer *near = nullptr;
    uint64_t best = UINT64_MAX;
    for (const Buffer &b : buffers) {
      uint64_t start = reinterpret_cast<uint64_t>(b.data), end = start + b.bytes;
      uint64_t dist = addr < start ? start - addr : addr >= end ? addr - end : 0;
      if (dist < best)
        best = dist, near = &b;
    }
    if (near) {
      uint64_t start = reinterpret_cast<uint64_t>(near->data);
      std::snprintf(msg, sizeof msg, " (nearest: buffer %zu at 0x%" PRIx64 " of %zu bytes, %s)",
                    static_cast<size_t>(near - buffers.data()), start, near->bytes,
                    addr < start ? (std::to_string(start - addr) + " bytes before it").c_str()
                                 : ("byte offset " + std::to_string(addr - start)).c_str());
      text += msg;
    } else {
      text += " (no buffers registered)";
    }
    return fail(I, text);
  }

  bool load(const Instr &I) {
    const int64_t *ptr = s[I.in[0]].i.data();
    const int64_t *mask = I.a ? s[I.in[1]].i.data() : nullptr;
    const Slot *other = I.b ? &s[I.in[2]] : nullptr;
    int64_t bytes = byteSize(I.elt);
    Slot &r = s[I.out[0]];
    bool fl = isFloat(I.elt);
    fl ? r.f.resize(I.n) : r.i.resize(I.n);
    for (int64_t k = 0; k < I.n; ++k) {
      if (mask && !mask[k]) {
        if (fl)
          r.f[k] = other ? other->f[k] : 0.0;
        else
          r.i[k] = other ? other->i[k] : 0;
        continue;
      }
      uint64_t addr = ptr[k];
      if (!inBounds(addr, bytes))
        return outOfBounds(I, k, addr, bytes, "reads");
      if (fl)
        r.f[k] = readFloat(I.elt, addr);
      else
        r.i[k] = readInt(I.elt, addr);
    }
    return true;
  }

  bool store(const Instr &I) {
    const int64_t *ptr = s[I.in[0]].i.data();
    const Slot &v = s[I.in[1]];
    const int64_t *mask = I.a ? s[I.in[2]].i.data() : nullptr;
    int64_t bytes = byteSize(I.elt);
    bool fl = isFloat(I.elt);
    for (int64_t k = 0; k < I.n; ++k) {
      if (mask && !mask[k])
        continue;
      uint64_t addr = ptr[k];
      if (!inBounds(addr, bytes))
        return outOfBounds(I, k, addr, bytes, "writes");
      if (fl)
        writeFloat(I.elt, addr, v.f[k]);
      else
        writeInt(I.elt, addr, v.i[k]);
    }
    return true;
  }

  bool atomic(const Instr &I) {
    const int64_t *ptr = s[I.in[0]].i.data();
    const Slot &v = s[I.in[1]];
    const int64_t *mask = I.b ? s[I.in[2]].i.data() : nullptr;
    int64_t bytes = byteSize(I.elt);
    int bits = bitWidth(I.elt);
    auto op = static_cast<AtomicOp>(I.a);
    Slot &r = s[I.out[0]];
    bool fl = isFloat(I.elt);
    fl ? r.f.assign(I.n, 0.0) : r.i.assign(I.n, 0);
    for (int64_t k = 0; k < I.n; ++k) {
      if (mask && !mask[k])
        continue;
      uint64_t addr = ptr[k];
      if (!inBounds(addr, bytes))
        return outOfBounds(I, k, addr, bytes, "updates");
      if (fl) {
        double old = readFloat(I.elt, addr), x = v.f[k], nv = x;
        if (op == AtomicOp::Add)
          nv = roundTo(I.elt, old + x);
        else if (op == AtomicOp::Max)
          nv = fmaximum(old, x);
        else if (op == AtomicOp::Min)
          nv = fminimum(old, x);
        writeFloat(I.elt, addr, nv);
        r.f[k] = old;
      } else {
        int64_t old = readInt(I.elt, addr), x = v.i[k], nv = x;
        if (op == AtomicOp::Add)
          nv = sext(static_cast<uint64_t>(old) + static_cast<uint64_t>(x), bits);
        else if (op == AtomicOp::Max)
          nv = std::max(old, x);
        else if (op == AtomicOp::Min)
          nv = std::min(old, x);
        writeInt(I.elt, addr, nv);
        r.i[k] = old;
      }
    }
    return true;
  }

  /// Compare-and-swap per lane, in row-major order; floats compare bits.
  bool atomicCas(const Instr &I) {
    const int64_t *ptr = s[I.in[0]].i.data();
    const Slot &cmp = s[I.in[1]], &val = s[I.in[2]];
    int64_t bytes = byteSize(I.elt);
    Slot &r = s[I.out[0]];
    bool fl = isFloat(I.elt);
    fl ? r.f.resize(I.n) : r.i.resize(I.n);
    for (int64_t k = 0; k < I.n; ++k) {
      uint64_t addr = ptr[k];
      if (!inBounds(addr, bytes))
        return outOfBounds(I, k, addr, bytes, "updates");
      if (fl) {
        double old = readFloat(I.elt, addr);
        if (floatBits(I.elt, old) == floatBits(I.elt, cmp.f[k]))
          writeFloat(I.elt, addr, val.f[k]);
        r.f[k] = old;
      } else {
        int64_t old = readInt(I.elt, addr);
        if (old == cmp.i[k])
          writeInt(I.elt, addr, val.i[k]);
        r.i[k] = old;
      }
    }
    return true;
  }

  // Block pointers ----------------------------------------------------------
  //
  // A block pointer slot is [base, shape..., strides..., offsets...]; I.shape
  // is the block shape, I.a the bit set of boundary-checked dimensions.

  /// Visits every element of the block in row-major order with its element
  /// offset from base and whether it lies inside the checked bounds.
  template <class F> bool forEachBlockElement(const Instr &I, const int64_t *bp, F f) {
    size_t rank = I.shape.size();
    const int64_t *shape = bp + 1, *strides = bp + 1 + rank, *offsets = bp + 1 + 2 * rank;
    std::vector<int64_t> index(rank, 0);
    for (int64_t k = 0; k < I.n; ++k) {
      uint64_t offset = 0;
      bool inside = true;
      for (size_t d = 0; d < rank; ++d) {
        int64_t at = offsets[d] + index[d];
        offset += static_cast<uint64_t>(at) * static_cast<uint64_t>(strides[d]);
        if (((I.a >> d) & 1) && (at < 0 || at >= shape[d]))
          inside = false;
      }
      if (!f(k, static_cast<int64_t>(offset), inside))
        return false;
      for (size_t d = rank; d-- > 0;) { // next row-major index
        if (++index[d] < I.shape[d])
          break;
        index[d] = 0;
      }
    }
    return true;
  }

  /// The block pointer of a tensor descriptor access: the descriptor (operand 0) with the
  /// `count` offsets that follow it.
  std::vector<int64_t> descriptorBlock(const Instr &I, size_t count) {
    std::vector<int64_t> bp = s[I.in[0]].i;
    for (size_t d = 1; d <= count; ++d)
      bp.push_back(s[I.in[d]].i[0]);
    return bp;
  }

  bool blockLoad(const Instr &I, const int64_t *bp) {
    int64_t bytes = byteSize(I.elt);
    Slot &r = s[I.out[0]];
    bool fl = isFloat(I.elt);
    fl ? r.f.resize(I.n) : r.i.resize(I.n);
    double padding = static_cast<Padding>(I.b) == Padding::NaN ? std::nan("") : 0.0;
    return forEachBlockElement(I, bp, [&](int64_t k, int64_t offset, bool inside) {
      if (!inside) {
        fl ? void(r.f[k] = padding) : void(r.i[k] = 0);
        return true;
      }
      uint64_t addr = static_cast<uint64_t>(bp[0]) + static_cast<uint64_t>(offset) * bytes;
      if (!inBounds(addr, bytes))
        return outOfBounds(I, k, addr, bytes, "reads");
      fl ? void(r.f[k] = readFloat(I.elt, addr)) : void(r.i[k] = readInt(I.elt, addr));
      return true;
    });
  }

  /// Writes the value slot `v` through the block pointer `bp`; nothing outside the checked
  /// bounds.
  bool blockStore(const Instr &I, const int64_t *bp, const Slot &v) {
    int64_t bytes = byteSize(I.elt);
    bool fl = isFloat(I.elt);
    return forEachBlockElement(I, bp, [&](int64_t k, int64_t offset, bool inside) {
      if (!inside)
        return true;
      uint64_t addr = static_cast<uint64_t>(bp[0]) + static_cast<uint64_t>(offset) * bytes;
      if (!inBounds(addr, bytes))
        return outOfBounds(I, k, addr, bytes, "writes");
      fl ? writeFloat(I.elt, addr, v.f[k]) : writeInt(I.elt, addr, v.i[k]);
      return true;
    });
  }

  // Arithmetic --------------------------------------------------------------

  template <class F> void binI(const Instr &I, F f) {
    const int64_t *a = s[I.in[0]].i.data(), *b = s[I.in[1]].i.data();
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    int bits = bitWidth(I.elt);
    for (int64_t k = 0; k < I.n; ++k)
      r[k] = sext(static_cast<uint64_t>(f(a[k], b[k])), bits);
  }
  template <class F> void binF(const Instr &I, F f) {
    const double *a = s[I.in[0]].f.data(), *b = s[I.in[1]].f.data();
    auto &r = s[I.out[0]].f;
    r.resize(I.n);
    withRounder(I.elt, [&](auto rnd) {
      for (int64_t k = 0; k < I.n; ++k)
        r[k] = rnd(f(a[k], b[k]));
    });
  }

  /// Division-like ops: checked lane by lane, never UB.
  bool divide(const Instr &I) {
    const int64_t *a = s[I.in[0]].i.data(), *b = s[I.in[1]].i.data();
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    int bits = bitWidth(I.elt);
    int64_t minValue = sext(uint64_t(1) << (bits - 1), bits);
    bool isSigned = I.opc == Opc::DivSI || I.opc == Opc::RemSI || I.opc == Opc::CeilDivSI ||
                    I.opc == Opc::FloorDivSI;
    for (int64_t k = 0; k < I.n; ++k) {
      int64_t x = a[k], y = b[k];
      if (y == 0)
        return fail(I, "integer division by zero in " + lane(k));
      if (isSigned && x == minValue && y == -1)
        return fail(I, "signed division overflow (" + std::to_string(x) + " / -1) in " + lane(k));
      uint64_t ux = zext(x, bits), uy = zext(y, bits), v;
      switch (I.opc) {
      case Opc::DivSI:
        v = x / y;
        break;
      case Opc::RemSI:
        v = x % y;
        break;
      case Opc::DivUI:
        v = ux / uy;
        break;
      case Opc::RemUI:
        v = ux % uy;
        break;
      case Opc::CeilDivUI:
        v = ux / uy + (ux % uy != 0);
        break;
      case Opc::CeilDivSI: {
        int64_t q = x / y, m = x % y;
        v = q + (m != 0 && (m < 0) == (y < 0));
        break;
      }
      default: { // FloorDivSI
        int64_t q = x / y, m = x % y;
        v = q - (m != 0 && (m < 0) != (y < 0));
        break;
      }
      }
      r[k] = sext(v, bits);
    }
    return true;
  }

  bool shift(const Instr &I) {
    const int64_t *a = s[I.in[0]].i.data(), *b = s[I.in[1]].i.data();
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    int bits = bitWidth(I.elt);
    for (int64_t k = 0; k < I.n; ++k) {
      uint64_t sh = zext(b[k], bits);
      if (sh >= static_cast<uint64_t>(bits))
        return fail(I, "shift amount " + std::to_string(sh) + " >= bit width " +
                           std::to_string(bits) + " in " + lane(k));
      uint64_t v = I.opc == Opc::ShLI    ? static_cast<uint64_t>(a[k]) << sh
                   : I.opc == Opc::ShRSI ? static_cast<uint64_t>(a[k] >> sh)
                                         : zext(a[k], bits) >> sh;
      r[k] = sext(v, bits);
    }
    return true;
  }

  bool floatToInt(const Instr &I) {
    const double *a = s[I.in[0]].f.data();
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    int bits = bitWidth(I.elt);
    bool isSigned = I.opc == Opc::FToSI;
    double lo = isSigned ? -std::ldexp(1.0, bits - 1) : 0.0;
    double hi = std::ldexp(1.0, isSigned ? bits - 1 : bits);
    for (int64_t k = 0; k < I.n; ++k) {
      double t = std::trunc(a[k]);
      if (std::isnan(t) || t < lo || t >= hi) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "%g does not fit in %s%s (in %s)", a[k],
                      isSigned ? "" : "unsigned ", eltName(I.elt), lane(k).c_str());
        return fail(I, msg);
      }
      r[k] = isSigned ? static_cast<int64_t>(t) : sext(static_cast<uint64_t>(t), bits);
    }
    return true;
  }

  void dot(const Instr &I) {
    int64_t M = I.a, K = I.b, N = I.c;
    const Slot &A = s[I.in[0]], &B = s[I.in[1]], &C = s[I.in[2]];
    Slot &R = s[I.out[0]];
    if (!isFloat(I.src)) { // i8 x i8 -> i32, wrapping
      R.i.resize(M * N);
      std::vector<uint64_t> acc(C.i.begin(), C.i.end());
      for (int64_t i = 0; i < M; ++i)
        for (int64_t k = 0; k < K; ++k) {
          uint64_t x = A.i[i * K + k];
          for (int64_t j = 0; j < N; ++j)
            acc[i * N + j] += x * static_cast<uint64_t>(B.i[k * N + j]);
        }
      for (int64_t j = 0; j < M * N; ++j)
        R.i[j] = sext(acc[j], 32);
      return;
    }
    if (I.elt == Elt::F64) {
      R.f.assign(C.f.begin(), C.f.end());
      for (int64_t i = 0; i < M; ++i)
        for (int64_t k = 0; k < K; ++k) {
          double x = A.f[i * K + k];
          double *__restrict c = R.f.data() + i * N;
          const double *__restrict b = B.f.data() + k * N;
          for (int64_t j = 0; j < N; ++j)
            c[j] += x * b[j];
        }
      return;
    }
    // f32 accumulation; the products of f16/bf16/f32 operands are rounded to
    // f32 exactly as a float multiply does (f64 operands go through double).
    fc.assign(C.f.begin(), C.f.end());
    if (I.src == Elt::F64) {
      for (int64_t i = 0; i < M; ++i)
        for (int64_t k = 0; k < K; ++k)
          for (int64_t j = 0; j < N; ++j)
            fc[i * N + j] += static_cast<float>(A.f[i * K + k] * B.f[k * N + j]);
    } else {
      fa.assign(A.f.begin(), A.f.end());
      fb.assign(B.f.begin(), B.f.end());
      auto precision = static_cast<Precision>(I.d);
      if (I.src != Elt::F32 || precision == Precision::IEEE) {
        accumulate(fa, fb, fc, M, K, N);
      } else {
        // tf32: the operands rounded to tf32. tf32x3: big = tf32(x),
        // small = tf32(x - big) (the difference is exact in f32), and
        // result = dot(big_a, big_b, acc + dot(big_a, small_b, dot(small_a, big_b, 0))).
        auto split = [](std::vector<float> &big, std::vector<float> &small) {
          small.resize(big.size());
          for (size_t j = 0; j < big.size(); ++j) {
            float b = num::roundToTF32(big[j]);
            small[j] = num::roundToTF32(big[j] - b);
            big[j] = b;
          }
        };
        split(fa, sa);
        split(fb, sb);
        if (precision == Precision::TF32x3) {
          std::vector<float> correction(M * N, 0.0f);
          accumulate(sa, fb, correction, M, K, N);
          accumulate(fa, sb, correction, M, K, N);
          for (int64_t j = 0; j < M * N; ++j)
            fc[j] += correction[j];
        }
        accumulate(fa, fb, fc, M, K, N);
      }
    }
    R.f.resize(M * N);
    withRounder(I.elt, [&](auto rnd) {
      for (int64_t j = 0; j < M * N; ++j)
        R.f[j] = rnd(fc[j]);
    });
  }

  /// Reduce (scan = false) or inclusive scan along the middle axis of
  /// [outer, len, inner].
  template <class T, class F>
  static void combineAxis(const T *src, T *dst, int64_t outer, int64_t len, int64_t inner,
                          bool scan, bool reverse, F f) {
    for (int64_t o = 0; o < outer; ++o) {
      const T *x = src + o * len * inner;
      T *d = dst + o * (scan ? len * inner : inner);
      for (int64_t t = 0; t < len; ++t) {
        int64_t l = reverse ? len - 1 - t : t;
        T *out = scan ? d + l * inner : d;
        const T *prev = scan ? d + (reverse ? l + 1 : l - 1) * inner : d;
        for (int64_t i = 0; i < inner; ++i)
          out[i] = t == 0 ? x[l * inner + i] : f(prev[i], x[l * inner + i]);
      }
    }
  }

  void reduce(const Instr &I, bool scan) {
    int64_t outer = I.shape[0], len = I.shape[1], inner = I.shape[2];
    auto kind = static_cast<Combine>(I.b);
    const Slot &x = s[I.in[0]];
    Slot &r = s[I.out[0]];
    bool reverse = I.c;
    if (isFloat(I.elt)) {
      r.f.resize(I.n);
      withRounder(I.elt, [&](auto rnd) {
        auto run = [&](auto f) {
          combineAxis(x.f.data(), r.f.data(), outer, len, inner, scan, reverse, f);
        };
        switch (kind) {
        case Combine::Sum:
          return run([&](double a, double b) { return rnd(a + b); });
        case Combine::Prod:
          return run([&](double a, double b) { return rnd(a * b); });
        case Combine::Max:
          return run(fmaximum);
        case Combine::Min:
          return run(fminimum);
        }
      });
      return;
    }
    r.i.resize(I.n);
    int bits = bitWidth(I.elt);
    auto run = [&](auto f) {
      combineAxis(x.i.data(), r.i.data(), outer, len, inner, scan, reverse, f);
    };
    if (bits == 1 && (kind == Combine::Max || kind == Combine::Min))
      kind = kind == Combine::Max ? Combine::Min : Combine::Max; // true is -1: any = smin
    switch (kind) {
    case Combine::Sum:
      return run([&](int64_t a, int64_t b) {
        return sext(static_cast<uint64_t>(a) + static_cast<uint64_t>(b), bits);
      });
    case Combine::Prod:
      return run([&](int64_t a, int64_t b) {
        return sext(static_cast<uint64_t>(a) * static_cast<uint64_t>(b), bits);
      });
    case Combine::Max:
      return run([](int64_t a, int64_t b) { return std::max(a, b); });
    case Combine::Min:
      return run([](int64_t a, int64_t b) { return std::min(a, b); });
    }
  }

  // Control flow ------------------------------------------------------------

  /// block.yields -> block.args[first..], as one parallel assignment.
  void carry(const Block &b, size_t first) {
    for (size_t j = 0; j < b.yields.size(); ++j)
      s[b.temps[j]] = s[b.yields[j]];
    for (size_t j = 0; j < b.yields.size(); ++j)
      std::swap(s[b.args[first + j]], s[b.temps[j]]);
  }

  bool forLoop(const Instr &I) {
    const Block &body = P.blocks[I.regions[0]];
    int64_t lb = s[I.in[0]].i[0], ub = s[I.in[1]].i[0], step = s[I.in[2]].i[0];
    if (step <= 0)
      return fail(I, "step " + std::to_string(step) + " is not positive");
    for (size_t j = 3; j < I.in.size(); ++j)
      s[body.args[j - 2]] = s[I.in[j]];
    for (int64_t iv = lb; iv < ub;) {
      s[body.args[0]].i.assign(1, iv);
      if (!block(body))
        return false;
      carry(body, 1);
      if (__builtin_add_overflow(iv, step, &iv))
        break;
    }
    for (size_t j = 0; j < I.out.size(); ++j)
      s[I.out[j]] = s[body.args[j + 1]];
    return true;
  }

  bool ifThenElse(const Instr &I) {
    int32_t region = I.regions[s[I.in[0]].i[0] ? 0 : 1];
    if (region < 0)
      return true;
    const Block &b = P.blocks[region];
    if (!block(b))
      return false;
    for (size_t j = 0; j < I.out.size(); ++j)
      s[I.out[j]] = s[b.yields[j]];
    return true;
  }

  bool whileLoop(const Instr &I) {
    const Block &before = P.blocks[I.regions[0]], &after = P.blocks[I.regions[1]];
    for (size_t j = 0; j < I.in.size(); ++j)
      s[before.args[j]] = s[I.in[j]];
    for (;;) {
      if (!block(before))
        return false;
      if (!s[before.cond].i[0])
        break;
      for (size_t j = 0; j < after.args.size(); ++j)
        s[after.args[j]] = s[before.yields[j]];
      if (!block(after))
        return false;
      // before's arguments are out of scope in after: plain copies cannot clash.
      for (size_t j = 0; j < before.args.size(); ++j)
        s[before.args[j]] = s[after.yields[j]];
    }
    for (size_t j = 0; j < I.out.size(); ++j)
      s[I.out[j]] = s[before.yields[j]];
    return true;
  }

  bool exec(const Instr &I);
};

bool Machine::exec(const Instr &I) {
  using U = uint64_t;
  switch (I.opc) {
  case Opc::AddI:
    binI(I, [](int64_t a, int64_t b) { return U(a) + U(b); });
    return true;
  case Opc::SubI:
    binI(I, [](int64_t a, int64_t b) { return U(a) - U(b); });
    return true;
  case Opc::MulI:
    binI(I, [](int64_t a, int64_t b) { return U(a) * U(b); });
    return true;
  case Opc::DivSI:
  case Opc::DivUI:
  case Opc::RemSI:
  case Opc::RemUI:
  case Opc::CeilDivSI:
  case Opc::CeilDivUI:
  case Opc::FloorDivSI:
    return divide(I);
  case Opc::AndI:
    binI(I, [](int64_t a, int64_t b) { return a & b; });
    return true;
  case Opc::OrI:
    binI(I, [](int64_t a, int64_t b) { return a | b; });
    return true;
  case Opc::XOrI:
    binI(I, [](int64_t a, int64_t b) { return a ^ b; });
    return true;
  case Opc::ShLI:
  case Opc::ShRSI:
  case Opc::ShRUI:
    return shift(I);
  case Opc::MaxSI:
    binI(I, [](int64_t a, int64_t b) { return std::max(a, b); });
    return true;
  case Opc::MinSI:
    binI(I, [](int64_t a, int64_t b) { return std::min(a, b); });
    return true;
  case Opc::MaxUI:
  case Opc::MinUI: {
    int bits = bitWidth(I.elt);
    bool max = I.opc == Opc::MaxUI;
    binI(I, [&](int64_t a, int64_t b) {
      return (zext(a, bits) > zext(b, bits)) == max ? a : b;
    });
    return true;
  }
  case Opc::AddF:
    binF(I, [](double a, double b) { return a + b; });
    return true;
  case Opc::SubF:
    binF(I, [](double a, double b) { return a - b; });
    return true;
  case Opc::MulF:
    binF(I, [](double a, double b) { return a * b; });
    return true;
  case Opc::DivF:
    binF(I, [](double a, double b) { return a / b; });
    return true;
  case Opc::RemF:
    binF(I, [](double a, double b) { return std::fmod(a, b); });
    return true;
  case Opc::MaximumF:
    binF(I, fmaximum);
    return true;
  case Opc::MinimumF:
    binF(I, fminimum);
    return true;
  case Opc::MaxNumF:
    binF(I, fmaxnum);
    return true;
  case Opc::MinNumF:
    binF(I, fminnum);
    return true;
  case Opc::PowF:
    binF(I, [](double a, double b) { return std::pow(a, b); });
    return true;
  case Opc::Atan2:
    binF(I, [](double a, double b) { return std::atan2(a, b); });
    return true;
  case Opc::CopySign:
    binF(I, [](double a, double b) { return std::copysign(a, b); });
    return true;
  case Opc::Fma: {
    const double *a = s[I.in[0]].f.data(), *b = s[I.in[1]].f.data(), *c = s[I.in[2]].f.data();
    auto &r = s[I.out[0]].f;
    r.resize(I.n);
    withRounder(I.elt, [&](auto rnd) {
      for (int64_t k = 0; k < I.n; ++k)
        r[k] = rnd(std::fma(a[k], b[k], c[k]));
    });
    return true;
  }
  case Opc::NegF: {
    const double *a = s[I.in[0]].f.data();
    auto &r = s[I.out[0]].f;
    r.resize(I.n);
    for (int64_t k = 0; k < I.n; ++k)
      r[k] = -a[k];
    return true;
  }
  case Opc::FUnary: {
    const double *a = s[I.in[0]].f.data();
    auto &r = s[I.out[0]].f;
    r.resize(I.n);
    withRounder(I.elt, [&](auto rnd) {
      for (int64_t k = 0; k < I.n; ++k)
        r[k] = rnd(I.fn(a[k]));
    });
    return true;
  }
  case Opc::AbsI: {
    const int64_t *a = s[I.in[0]].i.data();
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    int bits = bitWidth(I.elt);
    for (int64_t k = 0; k < I.n; ++k)
      r[k] = sext(a[k] < 0 ? U(0) - U(a[k]) : U(a[k]), bits);
    return true;
  }
  case Opc::CmpI: {
    const int64_t *a = s[I.in[0]].i.data(), *b = s[I.in[1]].i.data();
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    int bits = bitWidth(I.src);
    for (int64_t k = 0; k < I.n; ++k)
      r[k] = cmpI(I.a, a[k], b[k], bits) ? -1 : 0;
    return true;
  }
  case Opc::CmpF: {
    const double *a = s[I.in[0]].f.data(), *b = s[I.in[1]].f.data();
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    for (int64_t k = 0; k < I.n; ++k)
      r[k] = cmpF(I.a, a[k], b[k]) ? -1 : 0;
    return true;
  }
  case Opc::Select: {
    const int64_t *c = s[I.in[0]].i.data();
    const Slot &x = s[I.in[1]], &y = s[I.in[2]];
    Slot &r = s[I.out[0]];
    bool scalarCond = I.b;
    auto pick = [&](auto &out, const auto &a, const auto &b) {
      out.resize(I.n);
      for (int64_t k = 0; k < I.n; ++k)
        out[k] = c[scalarCond ? 0 : k] ? a[k] : b[k];
    };
    isFloat(I.elt) ? pick(r.f, x.f, y.f) : pick(r.i, x.i, y.i);
    return true;
  }
  case Opc::FToF: {
    const double *a = s[I.in[0]].f.data();
    auto &r = s[I.out[0]].f;
    r.resize(I.n);
    withRounder(I.elt, [&](auto rnd) {
      for (int64_t k = 0; k < I.n; ++k)
        r[k] = rnd(a[k]);
    });
    return true;
  }
  case Opc::SIToF:
  case Opc::UIToF: {
    const int64_t *a = s[I.in[0]].i.data();
    auto &r = s[I.out[0]].f;
    r.resize(I.n);
    int bits = bitWidth(I.src);
    for (int64_t k = 0; k < I.n; ++k) {
      long double x = I.opc == Opc::SIToF ? static_cast<long double>(a[k])
                                          : static_cast<long double>(zext(a[k], bits));
      r[k] = intToFloat(x, I.elt);
    }
    return true;
  }
  case Opc::FToSI:
  case Opc::FToUI:
    return floatToInt(I);
  case Opc::ExtSI:
  case Opc::ExtUI:
  case Opc::TruncI: {
    const int64_t *a = s[I.in[0]].i.data();
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    int from = bitWidth(I.src), to = bitWidth(I.elt);
    for (int64_t k = 0; k < I.n; ++k)
      r[k] = sext(I.opc == Opc::ExtUI ? zext(a[k], from) : U(a[k]), to);
    return true;
  }
  case Opc::Bitcast: {
    const Slot &a = s[I.in[0]];
    Slot &r = s[I.out[0]];
    bool fromF = isFloat(I.src), toF = isFloat(I.elt);
    toF ? r.f.resize(I.n) : r.i.resize(I.n);
    int bits = bitWidth(I.elt);
    for (int64_t k = 0; k < I.n; ++k) {
      uint64_t b = fromF ? floatBits(I.src, a.f[k]) : zext(a.i[k], bits);
      if (toF)
        r.f[k] = bitsFloat(I.elt, b);
      else
        r.i[k] = sext(b, bits);
    }
    return true;
  }
  case Opc::ProgramId:
    s[I.out[0]].i.assign(1, pid[I.a]);
    return true;
  case Opc::NumPrograms:
    s[I.out[0]].i.assign(1, grid[I.a]);
    return true;
  case Opc::MakeRange: {
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    for (int64_t k = 0; k < I.n; ++k)
      r[k] = I.a + k;
    return true;
  }
  case Opc::Splat: {
    const Slot &a = s[I.in[0]];
    Slot &r = s[I.out[0]];
    isFloat(I.elt) ? r.f.assign(I.n, a.f[0]) : r.i.assign(I.n, a.i[0]);
    return true;
  }
  case Opc::Copy:
    s[I.out[0]] = s[I.in[0]];
    return true;
  case Opc::Gather: {
    const Slot &a = s[I.in[0]];
    Slot &r = s[I.out[0]];
    if (isFloat(I.elt)) {
      r.f.resize(I.n);
      gather(r.f.data(), a.f.data(), I.shape.data(), I.strides.data(), I.shape.size());
    } else {
      r.i.resize(I.n);
      gather(r.i.data(), a.i.data(), I.shape.data(), I.strides.data(), I.shape.size());
    }
    return true;
  }
  case Opc::AddPtr: {
    const int64_t *p = s[I.in[0]].i.data(), *o = s[I.in[1]].i.data();
    auto &r = s[I.out[0]].i;
    r.resize(I.n);
    U size = byteSize(I.elt);
    for (int64_t k = 0; k < I.n; ++k)
      r[k] = static_cast<int64_t>(U(p[k]) + U(o[k]) * size);
    return true;
  }
  case Opc::Load:
    return load(I);
  case Opc::Store:
    return store(I);
  case Opc::Atomic:
    return atomic(I);
  case Opc::AtomicCas:
    return atomicCas(I);
  case Opc::Join: {
    const Slot &x = s[I.in[0]], &y = s[I.in[1]];
    Slot &r = s[I.out[0]];
    auto interleave = [&](auto &out, const auto &a, const auto &b) {
      out.resize(I.n);
      for (int64_t k = 0; k < I.n / 2; ++k)
        out[2 * k] = a[k], out[2 * k + 1] = b[k];
    };
    isFloat(I.elt) ? interleave(r.f, x.f, y.f) : interleave(r.i, x.i, y.i);
    return true;
  }
  case Opc::Split: {
    const Slot &x = s[I.in[0]];
    Slot &lhs = s[I.out[0]], &rhs = s[I.out[1]];
    auto deinterleave = [&](auto &a, auto &b, const auto &in) {
      a.resize(I.n);
      b.resize(I.n);
      for (int64_t k = 0; k < I.n; ++k)
        a[k] = in[2 * k], b[k] = in[2 * k + 1];
    };
    isFloat(I.elt) ? deinterleave(lhs.f, rhs.f, x.f) : deinterleave(lhs.i, rhs.i, x.i);
    return true;
  }
  case Opc::Assert: {
    const int64_t *c = s[I.in[0]].i.data();
    for (int64_t k = 0; k < I.n; ++k)
      if (!c[k])
        return fail(I, "assertion failed: " + P.messages[I.a] +
                           (I.n > 1 ? " (" + lane(k) + ")" : std::string()));
    return true;
  }
  case Opc::MakeBlockPtr: {
    auto &r = s[I.out[0]].i;
    r.clear();
    for (uint32_t in : I.in)
      r.push_back(s[in].i[0]);
    return true;
  }
  case Opc::Advance: {
    std::vector<int64_t> r = s[I.in[0]].i;
    size_t rank = I.in.size() - 1;
    for (size_t d = 0; d < rank; ++d) {
      int64_t &offset = r[1 + 2 * rank + d];
      offset = sext(static_cast<uint64_t>(offset) + static_cast<uint64_t>(s[I.in[1 + d]].i[0]), 32);
    }
    s[I.out[0]].i = std::move(r);
    return true;
  }
  case Opc::BlockLoad:
    return blockLoad(I, s[I.in[0]].i.data());
  case Opc::DescLoad: // the descriptor, then the offsets
    return blockLoad(I, descriptorBlock(I, I.in.size() - 1).data());
  case Opc::DescStore: // the descriptor, the offsets, then the value
    return blockStore(I, descriptorBlock(I, I.in.size() - 2).data(), s[I.in.back()]);
  case Opc::BlockStore:
    return blockStore(I, s[I.in[0]].i.data(), s[I.in[1]]);
  case Opc::Dot:
    dot(I);
    return true;
  case Opc::Reduce:
    reduce(I, false);
    return true;
  case Opc::Scan:
    reduce(I, true);
    return true;
  case Opc::For:
    return forLoop(I);
  case Opc::If:
    return ifThenElse(I);
  case Opc::While:
    return whileLoop(I);
  }
  return fail(I, "internal error: unknown opcode");
}

} // namespace

std::string execute(const Program &program, std::array<uint32_t, 3> grid,
                    const std::vector<ArgValue> &args, const Buffer *buffers, size_t numBuffers) {
  return Machine(program, grid, buffers, numBuffers).run(args);
}

} // namespace lacc::interp::detail

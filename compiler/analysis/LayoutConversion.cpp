//===- LayoutConversion.cpp - how a tile moves between two layouts --------===//

#include "compiler/analysis/LayoutConversion.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MathExtras.h"

#include <map>
#include <mutex>
#include <tuple>

using namespace lacc;
using namespace lacc::tilegpu;
using llvm::ArrayRef;
using llvm::SmallVector;

SharedOffsetMap::SharedOffsetMap(const LinearLayout &shared) {
  std::optional<SmallVector<uint64_t>> inverse = shared.invert();
  assert(inverse && "a shared-memory layout is a bijection between offsets and elements");
  perElementBit = std::move(*inverse);
}

SharedOffsetMap::SharedOffsetMap(const LinearLayout &buffer, ArrayRef<int64_t> viewShape,
                                 ArrayRef<int64_t> offsets) {
  // A view element's coordinates plus the offsets are the buffer element's; the offsets are
  // multiples of the view's extents, so the sum is an XOR of disjoint bits: affine over GF(2).
  SharedOffsetMap whole(buffer);
  LinearLayout view(viewShape, {SmallVector<uint64_t>()});
  for (unsigned bit = 0; bit < view.getNumOutBits(); ++bit)
    perElementBit.push_back(whole(buffer.flatten(view.unflatten(uint64_t(1) << bit))));
  constant = whole(buffer.flatten(offsets));
}

uint64_t SharedOffsetMap::linear(uint64_t element) const {
  uint64_t offset = 0;
  for (auto [bit, b] : llvm::enumerate(perElementBit))
    if (element & (uint64_t(1) << bit))
      offset ^= b;
  return offset;
}

unsigned lacc::getSharedVectorWidth(const LinearLayout &layout, const SharedOffsetMap &offsetOf,
                                    unsigned maxVec) {
  ArrayRef<uint64_t> regs = layout.getBases(LinearLayout::Register);
  unsigned n = 0;
  while (n < regs.size() && (2u << n) <= maxVec &&
         offsetOf.linear(regs[n]) == (uint64_t(1) << n))
    ++n;
  // Every other basis, and the view's offset, must keep the group aligned: no offset bit below
  // the group's size.
  auto aligned = [&](unsigned bits) {
    uint64_t mask = (uint64_t(1) << bits) - 1;
    if (offsetOf.getConstant() & mask)
      return false;
    for (unsigned i = bits; i < regs.size(); ++i)
      if (offsetOf.linear(regs[i]) & mask)
        return false;
    for (unsigned in : {LinearLayout::Lane, LinearLayout::Warp})
      for (uint64_t b : layout.getBases(in))
        if (offsetOf.linear(b) & mask)
          return false;
    return true;
  };
  while (n > 0 && !aligned(n))
    --n;
  return 1u << n;
}

/// Offsets of every value of input `in` (the map is linear: built up one bit at a time).
static SmallVector<uint64_t> offsetsOf(const LinearLayout &layout, unsigned in,
                                       const SharedOffsetMap &offsetOf) {
  SmallVector<uint64_t> basis;
  for (uint64_t b : layout.getBases(in))
    basis.push_back(offsetOf.linear(b));
  SmallVector<uint64_t> all(int64_t(1) << basis.size(), 0);
  for (size_t x = 1; x < all.size(); ++x)
    all[x] = all[x & (x - 1)] ^ basis[llvm::countr_zero(x)];
  return all;
}

BankCost lacc::countWavefronts(const LinearLayout &layout, const SharedOffsetMap &offsetOf,
                               unsigned vec, unsigned elementBytes, bool skipRedundantRegisters) {
  uint64_t redundant =
      skipRedundantRegisters ? layout.getRedundantMasks()[LinearLayout::Register] : 0;
  unsigned accessBytes = vec * elementBytes;
  unsigned wordsPerAccess = std::max(1u, accessBytes / 4);
  unsigned lanesPerPhase = accessBytes > 4 ? 128 / accessBytes : 32;
  SmallVector<uint64_t> laneOffsets = offsetsOf(layout, LinearLayout::Lane, offsetOf);
  SmallVector<uint64_t> regOffsets = offsetsOf(layout, LinearLayout::Register, offsetOf);
  BankCost cost;
  uint64_t words[128];
  for (int64_t r = 0; r < int64_t(regOffsets.size()); r += vec) {
    if (r & redundant)
      continue;
    ++cost.accesses;
    for (unsigned phase = 0; phase < 32 / lanesPerPhase; ++phase) {
      unsigned n = 0;
      for (unsigned lane = phase * lanesPerPhase; lane < (phase + 1) * lanesPerPhase; ++lane) {
        uint64_t byte = (offsetOf.getConstant() ^ regOffsets[r] ^
                         laneOffsets[lane % laneOffsets.size()]) *
                        elementBytes;
        for (unsigned w = 0; w < wordsPerAccess; ++w)
          words[n++] = byte / 4 + w;
      }
      std::sort(words, words + n);
      n = std::unique(words, words + n) - words;
      unsigned perBank[32] = {};
      unsigned worst = 0;
      for (unsigned i = 0; i < n; ++i)
        worst = std::max(worst, ++perBank[words[i] % 32]);
      cost.wavefronts += worst;
      cost.ideal += (n + 31) / 32;
    }
  }
  return cost;
}

std::optional<SmallVector<unsigned>> lacc::findRegisterPermutation(const LinearLayout &from,
                                                                   const LinearLayout &to) {
  if (from.getShape() != to.getShape() ||
      from.getBases(LinearLayout::Lane) != to.getBases(LinearLayout::Lane) ||
      from.getBases(LinearLayout::Warp) != to.getBases(LinearLayout::Warp))
    return std::nullopt;
  llvm::DenseMap<uint64_t, unsigned> registerOf;
  for (int64_t r = from.getInSize(LinearLayout::Register); r-- > 0;)
    registerOf[from.applyOne(LinearLayout::Register, r)] = r;
  SmallVector<unsigned> map;
  for (int64_t r = 0; r < to.getInSize(LinearLayout::Register); ++r) {
    auto it = registerOf.find(to.applyOne(LinearLayout::Register, r));
    if (it == registerOf.end())
      return std::nullopt;
    map.push_back(it->second);
  }
  return map;
}

namespace {
/// An echelon basis that remembers which input bits make each vector, to solve
/// "which inputs give this element".
class TrackedEchelon {
public:
  void insert(uint64_t value, uint64_t inputs) {
    reduce(value, inputs);
    if (!value)
      return;
    unsigned lead = llvm::Log2_64(value);
    for (auto &row : rows)
      if (row.first & (uint64_t(1) << lead)) {
        row.first ^= value;
        row.second ^= inputs;
      }
    rows.push_back({value, inputs});
  }
  /// The inputs giving `value`, if it is in the span.
  std::optional<uint64_t> solve(uint64_t value) const {
    uint64_t inputs = 0;
    reduce(value, inputs);
    if (value)
      return std::nullopt;
    return inputs;
  }

private:
  void reduce(uint64_t &value, uint64_t &inputs) const {
    for (const auto &row : rows)
      if (value & (uint64_t(1) << llvm::Log2_64(row.first))) {
        value ^= row.first;
        inputs ^= row.second;
      }
  }
  SmallVector<std::pair<uint64_t, uint64_t>> rows;
};

uint64_t applyBits(ArrayRef<uint64_t> perBit, uint64_t x) {
  uint64_t out = 0;
  for (auto [i, b] : llvm::enumerate(perBit))
    if (x & (uint64_t(1) << i))
      out ^= b;
  return out;
}

/// Senders choose among at most 2^this registers per round; beyond it shared memory is cheaper.
constexpr unsigned kMaxSenderSelectBits = 2;
/// Destination registers worth moving one shuffle at a time.
constexpr int64_t kMaxShuffleRegisters = 16;

std::optional<WarpShufflePlan> planWarpShuffle(const LinearLayout &src, const LinearLayout &dst) {
  if (src.getShape() != dst.getShape() ||
      src.getBases(LinearLayout::Warp) != dst.getBases(LinearLayout::Warp) ||
      src.getNumBits(LinearLayout::Lane) != 5 || dst.getNumBits(LinearLayout::Lane) != 5 ||
      dst.getInSize(LinearLayout::Register) > kMaxShuffleRegisters)
    return std::nullopt;
  // Inputs of the source within a warp: register bits low, then the 5 lane bits.
  unsigned regBits = src.getNumBits(LinearLayout::Register);
  TrackedEchelon echelon;
  for (auto [i, b] : llvm::enumerate(src.getBases(LinearLayout::Register)))
    echelon.insert(b, uint64_t(1) << i);
  for (auto [i, b] : llvm::enumerate(src.getBases(LinearLayout::Lane)))
    echelon.insert(b, uint64_t(1) << (regBits + i));
  uint64_t regMask = (uint64_t(1) << regBits) - 1;
  auto split = [&](uint64_t inputs) { return std::make_pair(inputs & regMask, inputs >> regBits); };

  // Reader lane bit k needs the element of source (register rl[k], lane ll[k]) more.
  SmallVector<uint64_t> rl, ll;
  for (uint64_t b : dst.getBases(LinearLayout::Lane)) {
    std::optional<uint64_t> inputs = echelon.solve(b);
    if (!inputs)
      return std::nullopt;
    auto [r, l] = split(*inputs);
    rl.push_back(r);
    ll.push_back(l);
  }
  // Each sender must serve exactly one reader per round: reader -> sender lane invertible.
  std::optional<SmallVector<uint64_t>> inverse = LinearLayout({32}, {ll}).invert();
  if (!inverse)
    return std::nullopt;
  WarpShufflePlan plan;
  plan.laneMap = ll;
  // Sender lane bit j serves the reader inverse[j], who wants register rl(inverse[j]).
  for (unsigned j = 0; j < 5; ++j)
    plan.senderRegMap.push_back(applyBits(rl, (*inverse)[j]));
  unsigned selectBits = 0;
  for (uint64_t g : plan.senderRegMap)
    selectBits += g != 0;
  if (selectBits > kMaxSenderSelectBits)
    return std::nullopt;
  for (int64_t r = 0; r < dst.getInSize(LinearLayout::Register); ++r) {
    std::optional<uint64_t> inputs = echelon.solve(dst.applyOne(LinearLayout::Register, r));
    if (!inputs)
      return std::nullopt;
    auto [reg, lane] = split(*inputs);
    plan.laneConst.push_back(lane);
    // Reader l reads sender s = lane ^ L(l) for register reg ^ R(l); in the sender's terms,
    // reg ^ G(lane) ^ G(s) with G = R o L^-1.
    plan.regConst.push_back(reg ^ applyBits(plan.senderRegMap, lane));
  }
  return plan;
}

/// Swizzle candidates: the two fastest-dimension orders, then vec, perPhase, maxPhase.
SmallVector<SmallVector<unsigned>> candidateOrders(unsigned rank) {
  SmallVector<unsigned> rowMajor;
  for (unsigned d = rank; d-- > 0;)
    rowMajor.push_back(d);
  SmallVector<SmallVector<unsigned>> orders = {rowMajor};
  if (rank >= 2) {
    SmallVector<unsigned> swapped = rowMajor;
    std::swap(swapped[0], swapped[1]);
    orders.push_back(swapped);
  }
  return orders;
}
} // namespace

LayoutConversionPlan lacc::planSharedTransfer(const LinearLayout &src, const LinearLayout &dst,
                                              unsigned elementBits) {
  unsigned bytes = sharedElementBytes(elementBits);
  unsigned maxVec = std::max(1u, 16 / bytes);
  ArrayRef<int64_t> shape = src.getShape();
  LayoutConversionPlan best;
  best.kind = LayoutConversionPlan::Kind::SharedMemory;
  best.scratchBytes = src.getNumElements() * bytes;
  bool found = false;
  auto better = [&](const LayoutConversionPlan &p) {
    int64_t a = p.storeCost.wavefronts + p.loadCost.wavefronts;
    int64_t b = best.storeCost.wavefronts + best.loadCost.wavefronts;
    if (a != b)
      return a < b;
    return p.storeCost.accesses + p.loadCost.accesses <
           best.storeCost.accesses + best.loadCost.accesses;
  };
  // The widest accesses the registers allow (identity layout along each side's own runs).
  auto widest = [&](const LinearLayout &l) {
    unsigned bits = 0;
    for (unsigned d = 0; d < l.getRank(); ++d)
      bits = std::max(bits, l.getContiguousRegisterBits(d));
    return std::min(maxVec, 1u << bits);
  };
  unsigned maxStoreVec = widest(src), maxLoadVec = widest(dst);
  for (const SmallVector<unsigned> &order : candidateOrders(src.getRank())) {
    int64_t columns = shape[order[0]];
    int64_t rows = order.size() >= 2 ? shape[order[1]] : 1;
    // The swizzled group may be wider than one access: an mma accumulator read in 8-byte
    // pairs from rows of 32 f32 needs 32-byte groups to put 4 rows in 4 bank groups.
    for (unsigned vec = 1; vec * bytes <= 128 && vec <= columns; vec *= 2)
      for (unsigned maxPhase = 1; vec * maxPhase <= columns && maxPhase <= 32; maxPhase *= 2)
        for (unsigned perPhase = 1; perPhase <= rows && perPhase <= 16; perPhase *= 2) {
          if (maxPhase == 1 && (vec > 1 || perPhase > 1))
            continue; // no swizzle: one candidate is enough
          if (order.size() < 2 && maxPhase > 1)
            continue; // nothing to swizzle
          LayoutConversionPlan p;
          p.kind = LayoutConversionPlan::Kind::SharedMemory;
          p.scratchBytes = best.scratchBytes;
          p.shared = LinearLayout::swizzledShared(shape, order, vec, perPhase, maxPhase);
          SharedOffsetMap offsets(p.shared);
          p.storeVec = getSharedVectorWidth(src, offsets, maxVec);
          p.loadVec = getSharedVectorWidth(dst, offsets, maxVec);
          p.storeCost = countWavefronts(src, offsets, p.storeVec, bytes, true);
          p.loadCost = countWavefronts(dst, offsets, p.loadVec, bytes, false);
          if (!found || better(p)) {
            best = std::move(p);
            found = true;
          }
          // Conflict-free both ways with the widest accesses either side allows: done.
          if (best.storeCost.conflictFree() && best.loadCost.conflictFree() &&
              best.storeVec == maxStoreVec && best.loadVec == maxLoadVec)
            return best;
        }
  }
  return best;
}

LayoutConversionPlan lacc::planLayoutConversion(const LinearLayout &src, const LinearLayout &dst,
                                                unsigned elementBits) {
  // The search over swizzles costs milliseconds for large tiles and every conversion is
  // planned twice (allocation, lowering): remember the answers. Compiles run in parallel
  // threads, hence the lock.
  using Key = std::tuple<std::string, std::string, unsigned>;
  static std::mutex mutex;
  static std::map<Key, LayoutConversionPlan> cache;
  Key key{src.toString() + llvm::join(llvm::map_range(src.getShape(),
                                                      [](int64_t s) { return std::to_string(s); }),
                                      "x"),
          dst.toString(), elementBits};
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end())
      return it->second;
  }
  LayoutConversionPlan plan;
  if (src == dst) {
    plan.kind = LayoutConversionPlan::Kind::NoOp;
  } else if (auto perm = findRegisterPermutation(src, dst)) {
    plan.kind = LayoutConversionPlan::Kind::RegisterPermutation;
    plan.registers = std::move(*perm);
  } else if (auto shuffle = planWarpShuffle(src, dst)) {
    plan.kind = LayoutConversionPlan::Kind::WarpShuffle;
    plan.shuffle = std::move(*shuffle);
  } else {
    plan = planSharedTransfer(src, dst, elementBits);
  }
  std::lock_guard<std::mutex> lock(mutex);
  cache.emplace(key, plan);
  return plan;
}

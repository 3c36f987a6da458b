//===- SplitDotK.cpp - dots on staged operands, one K step at a time ------===//
//
// A tensor-core dot whose operands are read from shared memory whole
// (local_load of the staged tiles) holds every operand fragment in registers
// at once: for a 128x128x64 tile that is most of the register file. Split
// along K into one dot per instruction step, each reading its slice of the
// buffers (memdesc_slice: the same swizzled layout, no data moves), and
// issue each slice's loads before the previous slice's multiply, so the
// fragments of step k+1 are in flight while step k computes and only two
// steps' fragments are live.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUSPLITDOTK
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;
using namespace lacc::tilegpu;

namespace {

/// The staged buffer `dot` reads operand `v` from, when only dots read that load (q feeds
/// two dots in attention: each is split and reads its own slices, so the whole operand is
/// never live).
LocalLoadOp stagedLoad(Value v) {
  auto load = v.getDefiningOp<LocalLoadOp>();
  if (!load || !llvm::all_of(load->getUsers(), [](Operation *u) { return isa<tile::DotOp>(u); }))
    return LocalLoadOp();
  return load;
}

/// A [rows x cols] slice of `load`'s buffer at (row, col), read in `load`'s register layout.
Value loadSlice(OpBuilder &b, LocalLoadOp load, int64_t rows, int64_t cols, int64_t row,
                int64_t col) {
  Location loc = load.getLoc();
  MemDescType src = load.getSrc().getType();
  SmallVector<int64_t> offsets = src.getOffsets();
  offsets[0] += row;
  offsets[1] += col;
  auto viewType = MemDescType::get(b.getContext(), {rows, cols}, src.getElementType(),
                                   src.getEncoding(), src.getBufferShape(), offsets);
  Value view = MemDescSliceOp::create(b, loc, viewType, load.getSrc(),
                                      b.getDenseI64ArrayAttr({row, col}));
  auto type = RankedTensorType::get({rows, cols}, load.getType().getElementType(),
                                    load.getType().getEncoding());
  return LocalLoadOp::create(b, loc, type, view);
}

struct SplitDotKPass : lacc::impl::TileGPUSplitDotKBase<SplitDotKPass> {
  void runOnOperation() override {
    SmallVector<tile::DotOp> dots;
    getOperation().walk([&](tile::DotOp dot) { dots.push_back(dot); });
    for (tile::DotOp dot : dots)
      split(dot);
  }

  void split(tile::DotOp dot) {
    auto mma = dyn_cast<MmaEncodingAttr>(dot.getType().getEncoding());
    auto aLayout = dyn_cast<DotOperandEncodingAttr>(dot.getA().getType().getEncoding());
    LocalLoadOp aLoad = stagedLoad(dot.getA()), bLoad = stagedLoad(dot.getB());
    if (!mma || !aLayout || !aLoad || !bLoad)
      return;
    int64_t m = dot.getType().getDimSize(0), n = dot.getType().getDimSize(1);
    int64_t k = dot.getA().getType().getDimSize(1);
    int64_t step = 8 * aLayout.getKWidth(); // one mma.sync's K
    if (k <= step)
      return;
    OpBuilder b(dot);
    auto loads = [&](int64_t s) {
      return std::make_pair(loadSlice(b, aLoad, m, step, 0, s * step),
                            loadSlice(b, bLoad, step, n, s * step, 0));
    };
    Value acc = dot.getAcc();
    auto next = loads(0);
    for (int64_t s = 0; s < k / step; ++s) {
      auto current = next;
      if (s + 1 < k / step)
        next = loads(s + 1); // in flight while this step multiplies
      acc = tile::DotOp::create(b, dot.getLoc(), dot.getType(), current.first, current.second,
                                acc, dot.getInputPrecisionAttr());
    }
    dot.replaceAllUsesWith(acc);
    dot.erase();
    if (aLoad->use_empty())
      aLoad.erase();
    if (bLoad != aLoad && bLoad->use_empty())
      bLoad.erase();
  }
};

} // namespace

//===- PrintAxisInfo.cpp - axis info as remarks, for tests ----------------===//

#include "compiler/transforms/Passes.h"

#include "compiler/analysis/AxisInfo.h"

namespace lacc {
#define GEN_PASS_DEF_TILEGPUPRINTAXISINFO
#include "compiler/transforms/Passes.h.inc"
} // namespace lacc

using namespace mlir;
using namespace lacc;

namespace {
/// Every op marked `test.axis` gets a remark with its result's axis info.
struct PrintAxisInfoPass : lacc::impl::TileGPUPrintAxisInfoBase<PrintAxisInfoPass> {
  void runOnOperation() override {
    AxisInfoAnalysis analysis(getOperation());
    getOperation().walk([&](Operation *op) {
      if (op->getNumResults() != 1 || !op->hasAttr("test.axis"))
        return;
      std::string text;
      llvm::raw_string_ostream os(text);
      analysis.get(op->getResult(0)).print(os);
      op->emitRemark(text);
    });
  }
};
} // namespace

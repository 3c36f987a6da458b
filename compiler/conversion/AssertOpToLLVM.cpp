//===- AssertOpToLLVM.cpp - device-side assertions ------------------------===//
//
// tile.assert exists only in debug mode. A thread any of whose elements is
// false calls CUDA's `__assertfail(message, file, line, function, 1)` (which
// the driver provides when it loads the PTX): it prints
// "file:line: function: block [..], thread [..] Assertion `message` failed."
// and traps, and the launch fails with CUDA_ERROR_ASSERT. The strings are
// constants in global memory; file and line are the op's source location.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/Utility.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;
using namespace lacc;
using namespace lacc::conversion;

namespace {

constexpr StringLiteral kAssertFail = "__assertfail";

/// The innermost file:line:col of `loc` (through fused, named and call-site locations).
std::optional<FileLineColLoc> fileLineOf(Location loc) {
  std::optional<FileLineColLoc> found;
  loc->walk([&](Location inner) {
    if (auto fileLine = dyn_cast<FileLineColLoc>(inner)) {
      found = fileLine;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return found;
}

/// A generic pointer to a NUL-terminated constant string, one global per distinct text.
Value globalString(OpBuilder &b, Location loc, ModuleOp module, StringRef text) {
  auto globalPtr = LLVM::LLVMPointerType::get(b.getContext(), kGlobalAddressSpace);
  std::string value = (text + Twine('\0')).str();
  std::string name;
  LLVM::GlobalOp global;
  for (unsigned i = 0;; ++i) {
    name = "assert_text_" + std::to_string(i);
    global = module.lookupSymbol<LLVM::GlobalOp>(name);
    if (!global)
      break;
    auto existing = dyn_cast_or_null<StringAttr>(global.getValueOrNull());
    if (existing && existing.getValue() == value)
      break;
  }
  if (!global) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), value.size());
    global = LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true, LLVM::Linkage::Internal,
                                    name, b.getStringAttr(value), /*alignment=*/1,
                                    kGlobalAddressSpace);
  }
  Value address = LLVM::AddressOfOp::create(b, loc, globalPtr, name);
  return LLVM::AddrSpaceCastOp::create(b, loc, LLVM::LLVMPointerType::get(b.getContext()),
                                       address);
}

/// `declare void @__assertfail(ptr, ptr, i32, ptr, i64)`, once per module.
LLVM::LLVMFuncOp declareAssertFail(OpBuilder &b, Location loc, ModuleOp module) {
  if (auto func = module.lookupSymbol<LLVM::LLVMFuncOp>(kAssertFail))
    return func;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  auto type = LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(b.getContext()),
                                          {ptr, ptr, b.getI32Type(), ptr, b.getI64Type()});
  return LLVM::LLVMFuncOp::create(b, loc, kAssertFail, type);
}

struct AssertToLLVM : OpConversionPattern<tile::AssertOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(tile::AssertOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Emitter e(rewriter, loc);
    auto module = op->getParentOfType<ModuleOp>();
    Value anyFalse;
    for (Value holds : adaptor.getCondition()) {
      Value fails = e.xor_(holds, e.i1(true));
      anyFalse = anyFalse ? e.or_(anyFalse, fails) : fails;
    }
    std::optional<FileLineColLoc> where = fileLineOf(loc);
    StringRef file = where ? where->getFilename().getValue() : StringRef("<unknown>");
    int64_t line = where ? where->getLine() : 0;
    auto function = op->getParentOfType<FunctionOpInterface>();
    StringRef functionName = function ? function.getName() : StringRef("<unknown>");
    LLVM::LLVMFuncOp assertFail = declareAssertFail(rewriter, loc, module);
    emitIf(rewriter, loc, anyFalse, [&] {
      Value args[] = {globalString(rewriter, loc, module, op.getMessage()),
                      globalString(rewriter, loc, module, file), e.i32(line),
                      globalString(rewriter, loc, module, functionName),
                      LLVM::ConstantOp::create(rewriter, loc, rewriter.getI64Type(),
                                               rewriter.getI64IntegerAttr(1))};
      LLVM::CallOp::create(rewriter, loc, assertFail, args);
    });
    rewriter.eraseOp(op);
    return success();
  }
};

} // namespace

void lacc::conversion::populateAssertOpToLLVMPatterns(TileTypeConverter &converter,
                                                     RewritePatternSet &patterns) {
  patterns.add<AssertToLLVM>(converter, patterns.getContext());
}

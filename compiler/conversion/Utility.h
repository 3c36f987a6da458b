//===- Utility.h - shared pieces of the tilegpu -> LLVM lowering -*- C++ -*-===//
//
// A tile value becomes, per thread, the list of the elements that thread
// holds (a 1:N type conversion: `tensor<64x64xf32, #blocked>` becomes as many
// f32 values as the layout gives each thread, in register order). Patterns
// read them through OneToNOpAdaptor and produce them with
// replaceOpWithMultiple.
//
// Everything here is written against LinearLayout, never a particular
// encoding: the element a thread's register r holds is
//     registerPart(r) XOR threadPart(lane, warp)
// where registerPart is a compile-time constant and threadPart is computed
// once from the lane and warp ids.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_CONVERSION_UTILITY_H
#define LACC_COMPILER_CONVERSION_UTILITY_H

#include "compiler/analysis/Allocation.h"
#include "compiler/analysis/AxisInfo.h"
#include "compiler/analysis/LayoutConversion.h"
#include "dialects/tilegpu/TileGPUDialect.h"

#include "mlir/Conversion/LLVMCommon/Pattern.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Transforms/DialectConversion.h"

namespace lacc::conversion {

constexpr unsigned kGlobalAddressSpace = 1;
constexpr unsigned kSharedAddressSpace = 3;
/// The kernel's dynamic shared memory: `extern __shared__ char global_smem[]`.
inline constexpr llvm::StringLiteral kSharedMemorySymbol = "global_smem";

/// tile pointers -> global pointers, memdescs -> shared pointers, tiles -> one value per
/// element a thread holds.
class TileTypeConverter : public mlir::LLVMTypeConverter {
public:
  TileTypeConverter(mlir::MLIRContext *ctx, const mlir::LowerToLLVMOptions &options);
};

/// State shared by every pattern of one conversion.
struct LoweringContext {
  const AxisInfoAnalysis *axisInfo;
  int numWarps;
  /// The module has wgmma dots: shared-memory writes are followed by a proxy fence, since
  /// wgmma reads through the async proxy.
  bool usesWarpGroupMMA = false;
};

/// Builds LLVM/NVVM ops at one insertion point and location.
class Emitter {
public:
  Emitter(mlir::OpBuilder &b, mlir::Location loc) : b(b), loc(loc) {}

  mlir::Value i32(int64_t v);
  mlir::Value i1(bool v);
  mlir::Value add(mlir::Value a, mlir::Value b);
  mlir::Value sub(mlir::Value a, mlir::Value b);
  mlir::Value mul(mlir::Value a, mlir::Value b);
  mlir::Value and_(mlir::Value a, mlir::Value b);
  mlir::Value or_(mlir::Value a, mlir::Value b);
  mlir::Value xor_(mlir::Value a, mlir::Value b);
  mlir::Value shl(mlir::Value a, int64_t bits);
  mlir::Value lshr(mlir::Value a, int64_t bits);
  mlir::Value icmp(mlir::LLVM::ICmpPredicate pred, mlir::Value a, mlir::Value b);
  mlir::Value select(mlir::Value cond, mlir::Value a, mlir::Value b);
  mlir::Value undef(mlir::Type type);
  mlir::Value zero(mlir::Type type);

  mlir::Value threadId();
  mlir::Value laneId();
  mlir::Value warpId();
  /// bar.sync 0 (in a warp-specialized kernel, named barrier 1 of its consumer warps): the
  /// lowering of tilegpu.barrier, and the barrier inside an op that writes and then reads its
  /// own scratch; barriers between ops are placed by tilegpu-insert-barriers.
  void barrier();
  /// fence.proxy.async.shared::cta: this thread's shared-memory writes so far are visible to
  /// the async proxy (wgmma's reads) once a barrier follows.
  void fenceAsyncProxy();

  /// shfl.sync of any scalar type (split or widened to 32-bit pieces as needed).
  mlir::Value shuffle(mlir::Value v, mlir::Value laneOrOffset, mlir::NVVM::ShflKind kind);
  mlir::Value shuffleXor(mlir::Value v, unsigned mask);
  mlir::Value shuffleUp(mlir::Value v, unsigned delta);
  mlir::Value shuffleDown(mlir::Value v, unsigned delta);
  mlir::Value shuffleIdx(mlir::Value v, mlir::Value lane);

  /// Shared memory: the base of `op`'s buffer or scratch (its planned offset), element
  /// addresses, vector loads and stores of `values` (i1 is stored as a byte).
  mlir::Value sharedBase(mlir::Operation *op);
  mlir::Value sharedElementPtr(mlir::Value base, mlir::Type elementType, mlir::Value index);
  void storeShared(mlir::Value ptr, llvm::ArrayRef<mlir::Value> values);
  llvm::SmallVector<mlir::Value> loadShared(mlir::Value ptr, mlir::Type type, unsigned count);

  /// A packed vector of `elements` (all of one type).
  mlir::Value vectorOf(llvm::ArrayRef<mlir::Value> elements);

  mlir::OpBuilder &builder() { return b; }
  mlir::Location location() { return loc; }

private:
  mlir::OpBuilder &b;
  mlir::Location loc;
};

/// XOR over the set bits k of the runtime value `x` of perBit[k]: a linear map over GF(2)
/// applied to a thread coordinate. Runs of bits that move together become one shift-and-mask.
mlir::Value emitLinearMap(Emitter &e, mlir::Value x, llvm::ArrayRef<uint64_t> perBit);

/// The thread's part of every element it holds, as one flat index (row-major, XOR-combined):
/// element(r) = layout.applyOne(Register, r) XOR threadPart.
mlir::Value emitThreadPart(Emitter &e, const tilegpu::LinearLayout &layout);

/// For every register, the element's index along every dimension.
llvm::SmallVector<llvm::SmallVector<mlir::Value>> emitIndices(Emitter &e,
                                                              mlir::RankedTensorType type);

/// For every register: whether this thread is the one canonical holder of its element, or a
/// null Value where it always is (layouts replicate elements over registers, lanes and
/// warps when the tile is smaller than the layout's pattern).
llvm::SmallVector<mlir::Value> emitOwnership(Emitter &e, mlir::RankedTensorType type);

/// Whether this thread is the canonical holder of its elements of `layout` (the lanes and
/// warps that hold replicas are not); null when no lane or warp holds a replica.
mlir::Value emitThreadOwnership(Emitter &e, const tilegpu::LinearLayout &layout);

/// For each register of `to`, the register of `from` holding the same element in the same
/// thread; empty when some element is not there (the layouts place it in another thread).
llvm::SmallVector<unsigned> mapRegisters(const tilegpu::LinearLayout &from,
                                         const tilegpu::LinearLayout &to);

/// The shared-memory address of the first element of each group of `vec` registers of a
/// tile in `layout` stored in a buffer at `base` laid out by `shared`, in register order.
llvm::SmallVector<mlir::Value> sharedGroupAddresses(Emitter &e, mlir::Value base,
                                                    const tilegpu::LinearLayout &layout,
                                                    const SharedOffsetMap &shared,
                                                    mlir::Type element, unsigned vec);

/// Where the elements of a buffer (or of a view of one) of `type` are: its shared layout's
/// element -> offset map.
SharedOffsetMap sharedOffsetsOf(tilegpu::MemDescType type);

/// Runs `body` under `pred` (always when pred is null) in an scf.if and returns its results,
/// or `otherwise()` where pred is false: how masked global accesses are predicated.
llvm::SmallVector<mlir::Value>
emitPredicated(mlir::OpBuilder &b, mlir::Location loc, mlir::Value pred, mlir::TypeRange types,
               llvm::function_ref<llvm::SmallVector<mlir::Value>()> body,
               llvm::function_ref<llvm::SmallVector<mlir::Value>()> otherwise);
/// Runs `body`, which makes no values, under `pred` (always when pred is null).
void emitIf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value pred,
            llvm::function_ref<void()> body);

/// Per register of a tile of pointers: whether this thread writes the element (the mask, if
/// any, and ownership: each element is written once, by its canonical holder); null: always.
llvm::SmallVector<mlir::Value> emitWritePredicates(Emitter &e, mlir::Value ptr,
                                                   mlir::ValueRange mask);

/// Writes a thread's elements of a tile in `layout` to shared memory laid out by `shared`
/// (offset -> element), `vec` elements per access; and the reverse.
void storeToShared(Emitter &e, mlir::Value base, const tilegpu::LinearLayout &layout,
                   const SharedOffsetMap &shared, mlir::ValueRange values, unsigned vec);
llvm::SmallVector<mlir::Value> loadFromShared(Emitter &e, mlir::Value base,
                                              const tilegpu::LinearLayout &layout,
                                              const SharedOffsetMap &shared, mlir::Type element,
                                              unsigned vec);

/// The 32-bit registers an mma operand fragment travels in (mma.sync, wgmma's A): `count`
/// of `elements` from `first`, kWidth per register (16-bit pairs as <2 x half> for f16, as
/// i32 otherwise; tf32 rounded from f32).
llvm::SmallVector<mlir::Value> packMmaOperand(Emitter &e, mlir::ValueRange elements,
                                              int64_t first, int64_t count, unsigned kWidth);

/// An error at the first math op that needs CUDA's libdevice when it cannot be found.
mlir::LogicalResult checkLibdeviceAvailable(mlir::ModuleOp module);

/// Pattern populators, one per op family (one file each).
void populateElementwiseOpToLLVMPatterns(TileTypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
void populateViewOpToLLVMPatterns(TileTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateLoadStoreOpToLLVMPatterns(TileTypeConverter &converter,
                                       mlir::RewritePatternSet &patterns,
                                       const LoweringContext &context);
void populateAtomicOpToLLVMPatterns(TileTypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);
void populateAssertOpToLLVMPatterns(TileTypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);
void populateFP8ConversionOpToLLVMPatterns(TileTypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);
void populateReduceScanOpToLLVMPatterns(TileTypeConverter &converter,
                                        mlir::RewritePatternSet &patterns,
                                        const LoweringContext &context);
void populateConvertLayoutOpToLLVMPatterns(TileTypeConverter &converter,
                                           mlir::RewritePatternSet &patterns,
                                           const LoweringContext &context);
void populateSharedMemoryOpToLLVMPatterns(TileTypeConverter &converter,
                                          mlir::RewritePatternSet &patterns,
                                          const LoweringContext &context);
void populateDotOpToLLVMPatterns(TileTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateMMAv2DotOpToLLVMPatterns(TileTypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
void populateWGMMADotOpToLLVMPatterns(TileTypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
void populateTMAOpToLLVMPatterns(TileTypeConverter &converter,
                                 mlir::RewritePatternSet &patterns);
void populateAsyncCopyOpToLLVMPatterns(TileTypeConverter &converter,
                                       mlir::RewritePatternSet &patterns,
                                       const LoweringContext &context);

} // namespace lacc::conversion

#endif // LACC_COMPILER_CONVERSION_UTILITY_H

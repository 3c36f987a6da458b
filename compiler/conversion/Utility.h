//===- Utility.h - shared pieces of the tilegpu -> LLVM lowering -*- C++ -*-===//
//
// A tile value becomes, per thread, the list of the elements that thread
// holds (a 1:N type conversion: `tensor<64x64xf32, #blocked>` becomes as many
// f32 values as the layout gives each thread, in the layout's register
// order). Patterns read them through OneToNOpAdaptor and produce them with
// replaceOpWithMultiple. Everything here is about building that per-thread
// view: thread coordinates, element indices, shared memory, shuffles.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_COMPILER_CONVERSION_UTILITY_H
#define LACC_COMPILER_CONVERSION_UTILITY_H

#include "compiler/transforms/AxisInfo.h"
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
  mlir::Value shl(mlir::Value a, int64_t bits);
  mlir::Value lshr(mlir::Value a, int64_t bits);
  mlir::Value icmp(mlir::LLVM::ICmpPredicate pred, mlir::Value a, mlir::Value b);
  mlir::Value select(mlir::Value cond, mlir::Value a, mlir::Value b);
  mlir::Value undef(mlir::Type type);
  mlir::Value zero(mlir::Type type);

  mlir::Value threadId();
  mlir::Value laneId();
  mlir::Value warpId();
  void barrier();

  /// shfl.sync of any scalar type (split or widened to 32-bit pieces as needed).
  mlir::Value shuffle(mlir::Value v, mlir::Value laneOrOffset, mlir::NVVM::ShflKind kind);
  mlir::Value shuffleXor(mlir::Value v, unsigned mask);
  mlir::Value shuffleUp(mlir::Value v, unsigned delta);
  mlir::Value shuffleDown(mlir::Value v, unsigned delta);
  mlir::Value shuffleIdx(mlir::Value v, mlir::Value lane);

  /// Shared memory: the base of `op`'s planned buffer, element addresses, loads and stores
  /// (i1 is stored as a byte).
  mlir::Value sharedBase(mlir::Operation *op);
  mlir::Value sharedElementPtr(mlir::Value base, mlir::Type elementType, mlir::Value index);
  void storeShared(mlir::Value ptr, mlir::Value value);
  mlir::Value loadShared(mlir::Value ptr, mlir::Type type);

  mlir::OpBuilder &builder() { return b; }
  mlir::Location location() { return loc; }

private:
  mlir::OpBuilder &b;
  mlir::Location loc;
};

/// Per dimension, the coordinate of this thread's lane and warp in a blocked layout.
struct ThreadCoords {
  llvm::SmallVector<mlir::Value> lane, warp;
};
ThreadCoords emitThreadCoords(Emitter &e, tilegpu::BlockedEncodingAttr layout);

/// Per dimension, the index of this thread's first element before wrap-around.
llvm::SmallVector<mlir::Value> emitThreadBase(Emitter &e, tilegpu::DistributedLayoutAttr layout);

/// For every element this thread holds, its index along every dimension.
llvm::SmallVector<llvm::SmallVector<mlir::Value>> emitIndices(Emitter &e,
                                                              mlir::RankedTensorType type);

/// For every element this thread holds, whether this thread is its one canonical holder
/// (layouts replicate elements when the tile is smaller than the layout's extent).
llvm::SmallVector<mlir::Value> emitOwnership(Emitter &e, mlir::RankedTensorType type);

/// Row-major linear index of `index` in `shape`.
mlir::Value linearize(Emitter &e, llvm::ArrayRef<mlir::Value> index, llvm::ArrayRef<int64_t> shape);

/// Stores every element of a tile to shared memory at its row-major position, or loads
/// every element back from there: the two halves of a trip through shared memory.
void storeTileToShared(Emitter &e, mlir::Value base, mlir::RankedTensorType type,
                       mlir::ValueRange elements,
                       llvm::function_ref<mlir::Value(llvm::ArrayRef<mlir::Value>)> position);
llvm::SmallVector<mlir::Value>
loadTileFromShared(Emitter &e, mlir::Value base, mlir::RankedTensorType type, mlir::Type llvmElement,
                   llvm::function_ref<mlir::Value(llvm::ArrayRef<mlir::Value>)> position);

/// Pattern populators, one per op family (one file each).
void populateElementwiseOpToLLVMPatterns(TileTypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
void populateViewOpToLLVMPatterns(TileTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateLoadStoreOpToLLVMPatterns(TileTypeConverter &converter,
                                       mlir::RewritePatternSet &patterns,
                                       const LoweringContext &context);
void populateReduceScanOpToLLVMPatterns(TileTypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);
void populateSharedMemoryOpToLLVMPatterns(TileTypeConverter &converter,
                                          mlir::RewritePatternSet &patterns);
void populateDotOpToLLVMPatterns(TileTypeConverter &converter, mlir::RewritePatternSet &patterns);

} // namespace lacc::conversion

#endif // LACC_COMPILER_CONVERSION_UTILITY_H

// RUN: lacc-opt %s | lacc-opt | FileCheck %s

// CHECK-DAG: #dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #blocked}>
// CHECK-DAG: #shared = #tilegpu.shared<{vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]}>

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>
#row = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#shared = #tilegpu.shared<{vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// CHECK-LABEL: func.func @layouts
// CHECK: tilegpu.convert_layout %{{.*}} : tensor<32x32xf32, #blocked> -> tensor<32x32xf32, #dot_op>
// CHECK: tilegpu.local_alloc %{{.*}} : tensor<32x32xf32, #blocked> -> !tilegpu.memdesc<32x32xf32, #shared>
// CHECK: tilegpu.local_store
// CHECK: tilegpu.barrier
// CHECK: tilegpu.local_load
func.func @layouts(%x: tensor<32x32xf32, #blocked>, %r: tensor<32xf32, #tilegpu.slice<{dim = 1, parent = #blocked}>>) -> tensor<32x32xf32, #blocked> {
  %a = tilegpu.convert_layout %x : tensor<32x32xf32, #blocked> -> tensor<32x32xf32, #tilegpu.dot_op<{opIdx = 0, parent = #blocked}>>
  %m = tilegpu.local_alloc %x : tensor<32x32xf32, #blocked> -> !tilegpu.memdesc<32x32xf32, #shared>
  %e = tilegpu.local_alloc -> !tilegpu.memdesc<32x32xf32, #shared>
  tilegpu.local_store %x, %e : tensor<32x32xf32, #blocked> -> !tilegpu.memdesc<32x32xf32, #shared>
  tilegpu.barrier
  %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #shared> -> tensor<32x32xf32, #blocked>
  return %y : tensor<32x32xf32, #blocked>
}

// A slice of a staged buffer is a view: its type names the buffer and where it sits in it.
// CHECK-LABEL: func.func @slice
// CHECK: tilegpu.memdesc_slice %{{.*}} {offsets = array<i64: 0, 16>} : !tilegpu.memdesc<64x32xbf16, #{{.*}}> -> !tilegpu.memdesc<64x16xbf16, #{{.*}}, view of 64x32 at [0, 16]>
// CHECK: tilegpu.memdesc_slice %{{.*}} {offsets = array<i64: 32, 0>} : !tilegpu.memdesc<64x16xbf16, #{{.*}}, view of 64x32 at [0, 16]> -> !tilegpu.memdesc<32x16xbf16, #{{.*}}, view of 64x32 at [32, 16]>
#sv = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [1, 0]}>
func.func @slice(%m: !tilegpu.memdesc<64x32xbf16, #sv>) {
  %v = tilegpu.memdesc_slice %m {offsets = array<i64: 0, 16>} : !tilegpu.memdesc<64x32xbf16, #sv> -> !tilegpu.memdesc<64x16xbf16, #sv, view of 64x32 at [0, 16]>
  %w = tilegpu.memdesc_slice %v {offsets = array<i64: 32, 0>} : !tilegpu.memdesc<64x16xbf16, #sv, view of 64x32 at [0, 16]> -> !tilegpu.memdesc<32x16xbf16, #sv, view of 64x32 at [32, 16]>
  return
}

// A buffer seen transposed: dimensions and layout order permuted, the same bytes (k staged
// [64, 128] for k^T v, read as [128, 64] for q k^T).
// CHECK-LABEL: func.func @trans
// CHECK: tilegpu.memdesc_trans %{{.*}} {order = array<i32: 1, 0>} : !tilegpu.memdesc<64x128xbf16, #{{.*}}> -> !tilegpu.memdesc<128x64xbf16, #[[T:.*]]>
#kt = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#ktt = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1], chunk = 64}>
func.func @trans(%m: !tilegpu.memdesc<64x128xbf16, #kt>) {
  %t = tilegpu.memdesc_trans %m {order = array<i32: 1, 0>} : !tilegpu.memdesc<64x128xbf16, #kt> -> !tilegpu.memdesc<128x64xbf16, #ktt>
  return
}

// mbarriers and TMA copies (TileGPUTMAOps.td): a 64x128 bf16 buffer in wgmma's 128-byte
// swizzle, filled from a tensor map at (row, col) and completing on a barrier.
// CHECK-LABEL: func.func @tma
// CHECK: tilegpu.init_barrier %{{.*}}, 1 : !tilegpu.memdesc<1xi64, #{{.*}}>
// CHECK: tilegpu.barrier_expect %{{.*}}, 16384, %{{.*}} : !tilegpu.memdesc<1xi64, #{{.*}}>
// CHECK: tilegpu.async_tma_copy_global_to_local %arg0[%arg1, %arg2] %{{.*}}, %{{.*}}, %{{.*}} : !tilegpu.memdesc<64x128xbf16, #{{.*}}>, !tilegpu.memdesc<1xi64, #{{.*}}>
// A rank-3 tensor's block (1, 64, 128) into the same buffer: its leading coordinate first.
// CHECK: tilegpu.async_tma_copy_global_to_local %arg0[%arg4, %arg1, %arg2] %{{.*}}, %{{.*}}, %{{.*}} : !tilegpu.memdesc<64x128xbf16, #{{.*}}>
// CHECK: tilegpu.wait_barrier %{{.*}}, %{{.*}} : !tilegpu.memdesc<1xi64, #{{.*}}>
// CHECK: tilegpu.inval_barrier %{{.*}} : !tilegpu.memdesc<1xi64, #{{.*}}>
#swz = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#bar = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>
func.func @tma(%map: !tilegpu.tensor_map, %row: i32, %col: i32, %pred: i1, %phase: i32) {
  %buf = tilegpu.local_alloc -> !tilegpu.memdesc<64x128xbf16, #swz>
  %bar = tilegpu.local_alloc -> !tilegpu.memdesc<1xi64, #bar>
  tilegpu.init_barrier %bar, 1 : !tilegpu.memdesc<1xi64, #bar>
  tilegpu.barrier_expect %bar, 16384, %pred : !tilegpu.memdesc<1xi64, #bar>
  tilegpu.async_tma_copy_global_to_local %map[%row, %col] %buf, %bar, %pred : !tilegpu.memdesc<64x128xbf16, #swz>, !tilegpu.memdesc<1xi64, #bar>
  tilegpu.async_tma_copy_global_to_local %map[%phase, %row, %col] %buf, %bar, %pred : !tilegpu.memdesc<64x128xbf16, #swz>, !tilegpu.memdesc<1xi64, #bar>
  tilegpu.wait_barrier %bar, %phase : !tilegpu.memdesc<1xi64, #bar>
  tilegpu.inval_barrier %bar : !tilegpu.memdesc<1xi64, #bar>
  return
}

// TMA stores (TileGPUTMAOps.td): the fence after the buffer's writes, the copy out of the
// 64x128 bf16 buffer (2-D, and to a rank-3 tensor's block), the wait for its reads.
// CHECK-LABEL: func.func @tma_store
// CHECK: tilegpu.fence_async_shared
// CHECK: tilegpu.async_tma_copy_local_to_global %arg0[%arg1, %arg2] %[[BUF:.*]] : !tilegpu.memdesc<64x128xbf16, #{{.*}}>
// CHECK: tilegpu.async_tma_copy_local_to_global %arg0[%arg3, %arg1, %arg2] %[[BUF]] : !tilegpu.memdesc<64x128xbf16, #{{.*}}>
// CHECK: tilegpu.tma_store_wait 0, %[[BUF]] : !tilegpu.memdesc<64x128xbf16, #{{.*}}>
// CHECK: tilegpu.tma_store_wait 1{{$}}
func.func @tma_store(%map: !tilegpu.tensor_map, %row: i32, %col: i32, %bh: i32, %t: tensor<64x128xbf16, #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>>) {
  %buf = tilegpu.local_alloc %t : tensor<64x128xbf16, #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>> -> !tilegpu.memdesc<64x128xbf16, #swz>
  tilegpu.fence_async_shared
  tilegpu.async_tma_copy_local_to_global %map[%row, %col] %buf : !tilegpu.memdesc<64x128xbf16, #swz>
  tilegpu.async_tma_copy_local_to_global %map[%bh, %row, %col] %buf : !tilegpu.memdesc<64x128xbf16, #swz>
  tilegpu.tma_store_wait 0, %buf : !tilegpu.memdesc<64x128xbf16, #swz>
  tilegpu.tma_store_wait 1
  return
}

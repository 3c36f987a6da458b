// RUN: lacc-opt %s --tilegpu-lower-descriptor-stores | FileCheck %s
// RUN: lacc-opt %s --tilegpu-lower-descriptor-stores --tilegpu-allocate-shared-memory --tilegpu-insert-barriers | FileCheck %s --check-prefix=BAR
//
// tilegpu-lower-descriptor-stores: the descriptor stores left for the TMA (sm_90a) become TMA
// stores through a staging buffer.
//  - @store: a 64x128 bf16 tile: written into a buffer in the 128-byte swizzle (two 64-column
//    blocks, as a TMA load of the block would use), the fence, the copy from the buffer at the
//    store's offsets, the wait for its reads. One tensor map (box 64x64) for the descriptor,
//    which is erased.
//  - @rank3: the 2-D tile of a rank-3 descriptor's 1x64x128 block: three coordinates, a rank-3
//    map with box 1x64x64.
// With shared memory allocated and barriers placed (prefix BAR): the barrier between the fence
// (after the buffer's writes) and the copy; the second store's buffer reuses the first's bytes
// (offset 0: the first is dead after its wait), so a barrier orders its writes after the wait;
// in a loop, the next iteration's writes get a barrier at the top of the body.

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>

// CHECK-DAG: #[[SW:.*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
// CHECK-LABEL: func.func @store
// CHECK-SAME: %[[MAP:arg5]]: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 64, 64>, constants = array<i64: 0, 128, 0, 1>, element_bytes = 2 : i64, params = array<i64: 1, -1, 2, -1>, swizzle = 128 : i64}})
// CHECK-NOT: make_tensor_desc
// CHECK: %[[BUF:.*]] = tilegpu.local_alloc %arg4 : tensor<64x128xbf16, #blocked> -> !tilegpu.memdesc<64x128xbf16, #[[SW]]>
// CHECK-NEXT: tilegpu.fence_async_shared
// CHECK-NEXT: tilegpu.async_tma_copy_local_to_global %[[MAP]][%arg3, %c0_i32] %[[BUF]] : !tilegpu.memdesc<64x128xbf16, #[[SW]]>
// CHECK-NEXT: tilegpu.tma_store_wait 0, %[[BUF]] : !tilegpu.memdesc<64x128xbf16, #[[SW]]>
// CHECK: %[[BUF2:.*]] = tilegpu.local_alloc %arg4
// CHECK: tilegpu.async_tma_copy_local_to_global %[[MAP]][%c0_i32, %c0_i32] %[[BUF2]]
// CHECK-NOT: tile.descriptor_store

// BAR-LABEL: func.func @store
// BAR: tilegpu.local_alloc %arg4 : tensor<64x128xbf16, #blocked> {tilegpu.shared_offset = 0 : i32}
// BAR-NEXT: tilegpu.fence_async_shared
// BAR-NEXT: tilegpu.barrier{{ *$}}
// BAR-NEXT: tilegpu.async_tma_copy_local_to_global
// BAR-NEXT: tilegpu.tma_store_wait 0
// BAR-NEXT: tilegpu.barrier{{ *$}}
// BAR-NEXT: tilegpu.local_alloc %arg4 : tensor<64x128xbf16, #blocked> {tilegpu.shared_offset = 0 : i32}
// BAR-NEXT: tilegpu.fence_async_shared
// BAR-NEXT: tilegpu.barrier{{ *$}}
// BAR-NEXT: tilegpu.async_tma_copy_local_to_global
// BAR-NEXT: tilegpu.tma_store_wait 0
// BAR-NEXT: return
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @store(%p: !tile.ptr<bf16>, %m: i32, %ld: i32, %row: i32, %t: tensor<64x128xbf16, #blocked>) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %c128 = arith.constant 128 : i32
    %one = arith.constant 1 : i32
    %d = tile.make_tensor_desc %p, [%m, %c128], [%ld, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<64x128xbf16>>
    tile.descriptor_store %d[%row, %c0], %t : !tile.tensor_desc<tensor<64x128xbf16>>, tensor<64x128xbf16, #blocked>
    tile.descriptor_store %d[%c0, %c0], %t : !tile.tensor_desc<tensor<64x128xbf16>>, tensor<64x128xbf16, #blocked>
    return
  }

  // CHECK-LABEL: func.func @rank3
  // CHECK-SAME: %[[MAP3:arg6]]: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 1, 64, 64>
  // CHECK: %[[B3:.*]] = tilegpu.local_alloc %arg5
  // CHECK: tilegpu.async_tma_copy_local_to_global %[[MAP3]][%arg3, %arg4, %c0_i32] %[[B3]] : !tilegpu.memdesc<64x128xbf16
  func.func @rank3(%p: !tile.ptr<bf16>, %bh: i32, %n: i32, %b: i32, %row: i32, %t: tensor<64x128xbf16, #blocked>) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %c128 = arith.constant 128 : i32
    %one = arith.constant 1 : i32
    %stride = arith.constant 16384 : i32
    %d = tile.make_tensor_desc %p, [%bh, %n, %c128], [%stride, %c128, %one] : [i32, i32, i32], [i32, i32, i32] -> !tile.tensor_desc<tensor<1x64x128xbf16>>
    tile.descriptor_store %d[%b, %row, %c0], %t : !tile.tensor_desc<tensor<1x64x128xbf16>>, tensor<64x128xbf16, #blocked>
    return
  }

  // BAR-LABEL: func.func @loop
  // BAR: scf.for
  // BAR-NEXT: tilegpu.barrier{{ *$}}
  // BAR-NEXT: tilegpu.local_alloc
  // BAR-NEXT: tilegpu.fence_async_shared
  // BAR-NEXT: tilegpu.barrier{{ *$}}
  // BAR-NEXT: tilegpu.async_tma_copy_local_to_global
  // BAR-NEXT: tilegpu.tma_store_wait 0
  // BAR-NEXT: }
  func.func @loop(%p: !tile.ptr<bf16>, %m: i32, %ld: i32, %t: tensor<64x128xbf16, #blocked>) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %c128 = arith.constant 128 : i32
    %one = arith.constant 1 : i32
    %d = tile.make_tensor_desc %p, [%m, %c128], [%ld, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<64x128xbf16>>
    scf.for %i = %c0 to %m step %c64 : i32 {
      tile.descriptor_store %d[%i, %c0], %t : !tile.tensor_desc<tensor<64x128xbf16>>, tensor<64x128xbf16, #blocked>
    }
    return
  }
}

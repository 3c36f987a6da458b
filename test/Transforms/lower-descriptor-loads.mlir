// RUN: lacc-opt %s --tilegpu-lower-descriptor-loads | FileCheck %s
// RUN: lacc-opt %s --tilegpu-lower-descriptor-loads --tilegpu-allocate-shared-memory --tilegpu-insert-barriers | FileCheck %s --check-prefix=BAR
//
// tilegpu-lower-descriptor-loads: the descriptor loads the pipeliner did not take become
// one-shot TMA copies (sm_90a).
//  - @to_registers: a 32x64 f32 block read into registers: a buffer in the widest swizzle its
//    rows allow (256-byte rows: 128-byte swizzle, two 32-column blocks), an mbarrier
//    initialized, armed with the 8192 bytes, the copy, a wait on phase 0, the invalidation,
//    then a local_load into the load's layout. One tensor map (box 32x32), the descriptor
//    operands recorded as parameters (-1: a constant); the unused descriptor is erased.
//  - @staged: a 64x64 bf16 block only staged for a dot, in a layout the TMA writes: the copy
//    goes straight into a buffer of the staging type, which replaces it; no local_load.
//  - Two loads of one descriptor into buffers of one layout share a tensor map.
//  - @rank3: one head's 32x64 f32 rows of a rank-3 tensor (block 1x32x64): the same buffer and
//    copy as @to_registers's, with three coordinates [bh, row, 0] and a rank-3 tensor map whose
//    box is 1x32x32.
// With barriers placed (prefix BAR), the inits are ordered before the waits of other threads, the waits before the
// invalidation; the data needs no barrier between the wait and its reads.

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>

// CHECK-DAG: #[[F32SW:.*]] = #tilegpu.shared<{vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 32}>
// CHECK-LABEL: func.func @to_registers
// CHECK-SAME: %[[MAP:arg4]]: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 32, 32>, constants = array<i64: 0, 64, 0, 1>, element_bytes = 4 : i64, params = array<i64: 1, -1, 2, -1>, swizzle = 128 : i64}})
// CHECK-NOT: make_tensor_desc
// CHECK: %[[BUF:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<32x64xf32, #[[F32SW]]>
// CHECK: %[[MB:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<1xi64
// CHECK: tilegpu.init_barrier %[[MB]], 1
// CHECK: tilegpu.barrier_expect %[[MB]], 8192, %true
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MAP]][%arg3, %c0_i32] %[[BUF]], %[[MB]], %true
// CHECK: tilegpu.wait_barrier %[[MB]], %c0_i32
// CHECK: tilegpu.inval_barrier %[[MB]]
// CHECK: tilegpu.local_load %[[BUF]] : {{.*}} -> tensor<32x64xf32, #blocked>
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MAP]]
// CHECK-NOT: tensor_map

// BAR-LABEL: func.func @to_registers
// BAR: tilegpu.init_barrier
// BAR-NEXT: tilegpu.barrier_expect
// BAR-NEXT: tilegpu.async_tma_copy_global_to_local
// BAR-NEXT: tilegpu.barrier{{ *$}}
// BAR-NEXT: tilegpu.wait_barrier
// BAR-NEXT: tilegpu.barrier{{ *$}}
// BAR-NEXT: tilegpu.inval_barrier
// BAR-NEXT: tilegpu.local_load
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @to_registers(%p: !tile.ptr<f32>, %m: i32, %ld: i32, %row: i32) -> (tensor<32x64xf32, #blocked>, tensor<32x64xf32, #blocked>) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %one = arith.constant 1 : i32
    %d = tile.make_tensor_desc %p, [%m, %c64], [%ld, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<32x64xf32>>
    %t = tile.descriptor_load %d[%row, %c0] : !tile.tensor_desc<tensor<32x64xf32>> -> tensor<32x64xf32, #blocked>
    %u = tile.descriptor_load %d[%c0, %c0] : !tile.tensor_desc<tensor<32x64xf32>> -> tensor<32x64xf32, #blocked>
    return %t, %u : tensor<32x64xf32, #blocked>, tensor<32x64xf32, #blocked>
  }

  // CHECK-LABEL: func.func @rank3
  // CHECK-SAME: %[[MAP3:arg5]]: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 1, 32, 32>, constants = array<i64: 0, 0, 64, 0, 64, 1>, element_bytes = 4 : i64, params = array<i64: 1, 2, -1, 3, -1, -1>, swizzle = 128 : i64}})
  // CHECK: %[[BUF3:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<32x64xf32, #[[F32SW]]>
  // CHECK: tilegpu.barrier_expect %{{.*}}, 8192, %true
  // CHECK: tilegpu.async_tma_copy_global_to_local %[[MAP3]][%arg4, %arg2, %c0_i32] %[[BUF3]]
  // CHECK: tilegpu.local_load %[[BUF3]] : {{.*}} -> tensor<32x64xf32, #blocked>
  func.func @rank3(%p: !tile.ptr<f32>, %bh: i32, %n: i32, %ld: i32, %b: i32) -> tensor<32x64xf32, #blocked> attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %one = arith.constant 1 : i32
    %d = tile.make_tensor_desc %p, [%bh, %n, %c64], [%ld, %c64, %one] : [i32, i32, i32], [i32, i32, i32] -> !tile.tensor_desc<tensor<1x32x64xf32>>
    %t = tile.descriptor_load %d[%b, %n, %c0] : !tile.tensor_desc<tensor<1x32x64xf32>> -> tensor<32x64xf32, #blocked>
    return %t : tensor<32x64xf32, #blocked>
  }

  // CHECK-LABEL: func.func @staged
  // CHECK: %[[BUF:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<64x64xbf16, #{{.*}}>
  // CHECK: tilegpu.async_tma_copy_global_to_local %{{.*}}[%c0_i32, %c0_i32] %[[BUF]]
  // CHECK-NOT: tilegpu.local_load
  // CHECK: tilegpu.warp_group_dot %[[BUF]], %[[BUF]]
  func.func @staged(%p: !tile.ptr<bf16>, %m: i32, %acc: tensor<64x64xf32, #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>>) -> tensor<64x64xf32, #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>> attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %one = arith.constant 1 : i32
    %d = tile.make_tensor_desc %p, [%m, %m], [%m, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<64x64xbf16>>
    %t = tile.descriptor_load %d[%c0, %c0] : !tile.tensor_desc<tensor<64x64xbf16>> -> tensor<64x64xbf16, #blocked>
    %s = tilegpu.local_alloc %t : tensor<64x64xbf16, #blocked> -> !tilegpu.memdesc<64x64xbf16, #sw>
    %r = tilegpu.warp_group_dot %s, %s, %acc : !tilegpu.memdesc<64x64xbf16, #sw>, !tilegpu.memdesc<64x64xbf16, #sw>, tensor<64x64xf32, #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>> -> tensor<64x64xf32, #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>>
    return %r : tensor<64x64xf32, #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>>
  }
}

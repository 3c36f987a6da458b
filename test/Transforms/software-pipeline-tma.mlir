// RUN: lacc-opt %s --tilegpu-software-pipeline=num-stages=3 | FileCheck %s
// RUN: lacc-opt %s --tilegpu-software-pipeline=num-stages=3 --tilegpu-allocate-shared-memory --tilegpu-insert-barriers | FileCheck %s --check-prefix=BAR
//
// tilegpu-software-pipeline on a wgmma GEMM loop whose operands are tensor descriptor loads
// (sm_90a), staged in wgmma's 128-byte-swizzled layouts, which the TMA writes: TMA streams.
//   - one hidden !tilegpu.tensor_map parameter per descriptor, appended to the kernel, whose
//     tilegpu.tensor_map attribute says how the runtime encodes it: the base and the shape and
//     strides as parameter indices (-1: the constant beside it), the box (A: all 64x64; B: one
//     64x64 box per 64-column swizzled block) and the 128-byte swizzle;
//   - rings of 3 slots as with cp.async, and a ring of 3 mbarriers initialized before the loop;
//   - the dot is left in flight (async, wait pendings = 1), so copies run S-2 = 1 iteration
//     ahead: the prologue arms slot 0's barrier with both copies' bytes (8192 + 16384), for
//     iteration 0 only if the loop runs (0 < K), and issues the two TMA copies at iteration
//     0's offsets;
//   - in the loop: wait on the read slot's barrier with the carried parity, then (before the
//     compute, so that the copies have a whole iteration to land) arm the write slot's barrier
//     and copy iteration i+1's blocks into it (k + 64), then read the slots;
//     the read slot, write slot and parity are carried (0, 1, 0), the parity flipping when the
//     read slot wraps to 0;
//   - no cp.async, no async_wait; the barriers are invalidated after the loop.
// With barriers placed (prefix BAR): one, at the top of the loop, before its wait and copies: it
// orders the inits (by thread 0) before any thread waits, and the reads of the slot the copies
// overwrite (two iterations back) before them; none before the loop, none between the inits,
// none between the copies and the reads of the data waited for; and one after the loop, before
// the invalidations (the last iteration's waits follow the loop's barrier).

// CHECK-LABEL: func.func @gemm
// CHECK-SAME: %[[MAPA:arg9]]: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 64, 64>, constants = array<i64: 0, 0, 0, 1>, element_bytes = 2 : i64, params = array<i64: 2, 4, 5, -1>, swizzle = 128 : i64}}
// CHECK-SAME: %[[MAPB:arg10]]: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 1 : i64, box = array<i64: 64, 64>, constants = array<i64: 0, 0, 0, 1>, element_bytes = 2 : i64, params = array<i64: 4, 3, 6, -1>, swizzle = 128 : i64}}
// CHECK: %[[RA:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16
// CHECK: %[[RB:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x64x128xbf16
// CHECK: %[[BARS:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x1xi64
// CHECK-COUNT-3: tilegpu.init_barrier %{{.*}}, 1
// CHECK: %[[V0:.*]] = arith.cmpi slt, %c0_i32, %arg4 : i32
// CHECK: tilegpu.barrier_expect %[[B0:.*]], 24576, %[[V0]]
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MAPA]][%arg7, %c0_i32] %{{.*}}, %[[B0]], %[[V0]] : !tilegpu.memdesc<64x64xbf16
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MAPB]][%c0_i32, %arg8] %{{.*}}, %[[B0]], %[[V0]] : !tilegpu.memdesc<64x128xbf16
// CHECK: scf.for %[[K:.*]] = {{.*}} iter_args(%{{.*}} = %{{.*}}, %[[READ:.*]] = %c0_i32{{.*}}, %[[WRITE:.*]] = %c1_i32{{.*}}, %[[PHASE:.*]] = %c0_i32{{.*}})
// CHECK: %[[RB0:.*]] = tilegpu.memdesc_subview %[[BARS]][%[[READ]]]
// CHECK-NEXT: tilegpu.wait_barrier %[[RB0]], %[[PHASE]]
// CHECK: %[[NEXT:.*]] = arith.addi %[[K]], %{{.*}} : i32
// CHECK: %[[VN:.*]] = arith.cmpi slt, %[[NEXT]], %arg4
// CHECK: %[[WB:.*]] = tilegpu.memdesc_subview %[[BARS]][%[[WRITE]]]
// CHECK: tilegpu.barrier_expect %[[WB]], 24576, %[[VN]]
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MAPA]][%arg7, %[[NEXT]]] %{{.*}}, %[[WB]], %[[VN]]
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MAPB]][%[[NEXT]], %arg8] %{{.*}}, %[[WB]], %[[VN]]
// CHECK: tilegpu.warp_group_dot {{.*}} {async}
// CHECK: tilegpu.warp_group_dot_wait %{{.*}} {pendings = 1 : i32}
// CHECK: %[[WRAP:.*]] = arith.cmpi eq, %[[NR:.*]], %c0_i32
// CHECK: %[[FLIP:.*]] = arith.xori %[[PHASE]], %c1_i32
// CHECK: %[[NP:.*]] = arith.select %[[WRAP]], %[[FLIP]], %[[PHASE]]
// CHECK: scf.yield %{{.*}}, %[[NR]], %{{.*}}, %[[NP]]
// CHECK: tilegpu.warp_group_dot_wait %{{.*}} {pendings = 0 : i32}
// CHECK-COUNT-3: tilegpu.inval_barrier
// CHECK-NOT: tilegpu.async_copy_global_to_local
// CHECK-NOT: tilegpu.async_wait

// BAR-LABEL: func.func @gemm
// BAR: tilegpu.init_barrier
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: tilegpu.init_barrier
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: tilegpu.init_barrier
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: tilegpu.async_tma_copy_global_to_local
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: scf.for
// BAR-NEXT: tilegpu.memdesc_subview
// BAR-NEXT: tilegpu.barrier{{ *$}}
// BAR-NEXT: tilegpu.wait_barrier
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: tilegpu.async_tma_copy_global_to_local
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: tilegpu.warp_group_dot
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: scf.yield
// BAR: tilegpu.barrier{{ *$}}
// BAR-NEXT: tilegpu.inval_barrier
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: tilegpu.inval_barrier
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: tilegpu.inval_barrier

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 128]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @gemm(%a: !tile.ptr<bf16>, %b: !tile.ptr<bf16>, %M: i32, %N: i32, %K: i32, %lda: i32, %ldb: i32, %om: i32, %on: i32) -> tensor<64x128xf32, #mma> attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %one = arith.constant 1 : i32
    %zero = arith.constant dense<0.0> : tensor<64x128xf32, #mma>
    %da = tile.make_tensor_desc %a, [%M, %K], [%lda, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<64x64xbf16>>
    %db = tile.make_tensor_desc %b, [%K, %N], [%ldb, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<64x128xbf16>>
    %r = scf.for %k = %c0 to %K step %c64 iter_args(%acc = %zero) -> (tensor<64x128xf32, #mma>) : i32 {
      %ta = tile.descriptor_load %da[%om, %k] : !tile.tensor_desc<tensor<64x64xbf16>> -> tensor<64x64xbf16, #blocked>
      %sa = tilegpu.local_alloc %ta : tensor<64x64xbf16, #blocked> -> !tilegpu.memdesc<64x64xbf16, #sw>
      %tb = tile.descriptor_load %db[%k, %on] : !tile.tensor_desc<tensor<64x128xbf16>> -> tensor<64x128xbf16, #blocked>
      %sb = tilegpu.local_alloc %tb : tensor<64x128xbf16, #blocked> -> !tilegpu.memdesc<64x128xbf16, #sw>
      %d = tilegpu.warp_group_dot %sa, %sb, %acc : !tilegpu.memdesc<64x64xbf16, #sw>, !tilegpu.memdesc<64x128xbf16, #sw>, tensor<64x128xf32, #mma> -> tensor<64x128xf32, #mma>
      scf.yield %d : tensor<64x128xf32, #mma>
    }
    return %r : tensor<64x128xf32, #mma>
  }
}

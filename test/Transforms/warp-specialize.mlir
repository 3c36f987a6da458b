// RUN: lacc-opt %s --tilegpu-warp-specialize=num-stages=3 | FileCheck %s
// RUN: lacc-opt %s --tilegpu-warp-specialize=num-stages=3 --tilegpu-allocate-shared-memory --tilegpu-insert-barriers | FileCheck %s --check-prefix=BAR
// RUN: lacc-opt %s --tilegpu-warp-specialize="num-stages=3 enabled=false" | FileCheck %s --check-prefix=OFF
//
// tilegpu-warp-specialize on a wgmma GEMM loop of 8 warps whose operands are tensor descriptor
// loads staged in TMA-writable layouts (sm_90a), the row offset computed before the loop from
// program_id (cloned into the producer):
//  - rings of 3 slots, full barriers (count 1) and empty barriers (count 8: one arrival per
//    consumer warp), all initialized first;
//  - tilegpu.warp_specialize (40 / 232 registers): the producer recomputes the row offset, then
//    loops over K with its own slot and parity: waits on empty[slot] with the parity flipped
//    (round 0 passes at once), arms full[slot] with both blocks' bytes and issues the two TMA
//    copies, all led by thread 256 (the producer warpgroup's first);
//  - the consumers' loop carries slot and parity, waits on full[slot], runs the dot in flight
//    (wait pendings = 1), then hands the previous slot back (arrive on empty[slot - 1, or 2 at
//    slot 0], except in the first iteration); after the loop the last MMAs are waited for, then
//    every barrier is invalidated (the barrier before the invalidations then also orders the
//    last MMAs' reads of the rings before the epilogue reuses their bytes); the kernel is
//    marked tilegpu.warp_specialized.
// With barriers placed (prefix BAR): none in the producer region, none in the consumers' loop;
// one after it, before the invalidations.
// With enabled=false (prefix OFF) the loop stays as it is.

// CHECK-LABEL: func.func @gemm
// CHECK-SAME: tilegpu.warp_specialized
// CHECK: %[[RA:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x128x64xbf16
// CHECK: %[[RB:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x64x128xbf16
// CHECK: %[[FULL:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x1xi64
// CHECK: %[[EMPTY:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x1xi64
// CHECK-COUNT-3: tilegpu.init_barrier %{{.*}}, 1 : {{.*}}
// CHECK: tilegpu.warp_specialize attributes {consumerRegisters = 232 : i32, producerRegisters = 40 : i32} {
// CHECK: %[[PID:.*]] = tile.program_id 0
// CHECK: %[[ROW:.*]] = arith.muli %[[PID]]
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %arg4 step %{{.*}} iter_args(%[[SLOT:.*]] = %{{.*}}, %[[PHASE:.*]] = %{{.*}}) -> (i32, i32)
// CHECK: %[[FREE:.*]] = arith.xori %[[PHASE]], %c1_i32
// CHECK: %[[E:.*]] = tilegpu.memdesc_subview %[[EMPTY]][%[[SLOT]]]
// CHECK: tilegpu.wait_barrier %[[E]], %[[FREE]]
// CHECK: %[[F:.*]] = tilegpu.memdesc_subview %[[FULL]][%[[SLOT]]]
// CHECK: tilegpu.barrier_expect %[[F]], 32768, %true {tilegpu.leader_thread = 256 : i32}
// CHECK: tilegpu.async_tma_copy_global_to_local %arg9[%[[ROW]], %[[K]]] %{{.*}}, %[[F]], %true {tilegpu.leader_thread = 256 : i32}
// CHECK: tilegpu.async_tma_copy_global_to_local %arg10[%[[K]], %arg8] %{{.*}}, %[[F]], %true {tilegpu.leader_thread = 256 : i32}
// CHECK: scf.yield
// CHECK: }
// CHECK: scf.for %[[CK:.*]] = %{{.*}} iter_args(%{{.*}} = %{{.*}}, %[[CSLOT:.*]] = %{{.*}}, %[[CPHASE:.*]] = %{{.*}})
// CHECK: %[[CF:.*]] = tilegpu.memdesc_subview %[[FULL]][%[[CSLOT]]]
// CHECK-NEXT: tilegpu.wait_barrier %[[CF]], %[[CPHASE]]
// CHECK: tilegpu.warp_group_dot {{.*}} {async}
// CHECK: tilegpu.warp_group_dot_wait %{{.*}} {pendings = 1 : i32}
// CHECK: %[[NOTFIRST:.*]] = arith.cmpi ne, %[[CK]], %{{.*}}
// CHECK: %[[AT0:.*]] = arith.cmpi eq, %[[CSLOT]], %c0_i32
// CHECK: %[[PREV:.*]] = arith.select %[[AT0]], %c2_i32{{.*}}, %{{.*}}
// CHECK: %[[ES:.*]] = tilegpu.memdesc_subview %[[EMPTY]][%[[PREV]]]
// CHECK: tilegpu.arrive_barrier %[[ES]], %[[NOTFIRST]]
// CHECK: scf.yield
// CHECK: tilegpu.warp_group_dot_wait %{{.*}} {pendings = 0 : i32}
// CHECK-COUNT-6: tilegpu.inval_barrier
// CHECK-NOT: tile.descriptor_load

// BAR-LABEL: func.func @gemm
// BAR: tilegpu.warp_specialize
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: scf.for
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: tilegpu.arrive_barrier
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: scf.yield
// BAR-NEXT: }
// BAR-NEXT: tilegpu.warp_group_dot_wait {{.*}} {pendings = 0 : i32}
// BAR-NOT: tilegpu.inval_barrier
// BAR: tilegpu.barrier{{ *$}}
// BAR-NEXT: tilegpu.inval_barrier

// OFF-LABEL: func.func @gemm
// OFF-NOT: tilegpu.warp_specialize
// OFF: tile.descriptor_load

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [8, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [8, 1], instrShape = [16, 128]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
module attributes {tilegpu.num_warps = 8 : i32, tilegpu.target = #target} {
  func.func @gemm(%a: !tile.ptr<bf16>, %b: !tile.ptr<bf16>, %M: i32, %N: i32, %K: i32, %lda: i32, %ldb: i32, %unused: i32, %on: i32) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %c64 = arith.constant 64 : i32
    %c128 = arith.constant 128 : i32
    %one = arith.constant 1 : i32
    %zero = arith.constant dense<0.0> : tensor<128x128xf32, #mma>
    %pid = tile.program_id 0 : i32
    %om = arith.muli %pid, %c128 : i32
    %da = tile.make_tensor_desc %a, [%M, %K], [%lda, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<128x64xbf16>>
    %db = tile.make_tensor_desc %b, [%K, %N], [%ldb, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<64x128xbf16>>
    %r = scf.for %k = %c0 to %K step %c64 iter_args(%acc = %zero) -> (tensor<128x128xf32, #mma>) : i32 {
      %ta = tile.descriptor_load %da[%om, %k] : !tile.tensor_desc<tensor<128x64xbf16>> -> tensor<128x64xbf16, #blocked>
      %sa = tilegpu.local_alloc %ta : tensor<128x64xbf16, #blocked> -> !tilegpu.memdesc<128x64xbf16, #sw>
      %tb = tile.descriptor_load %db[%k, %on] : !tile.tensor_desc<tensor<64x128xbf16>> -> tensor<64x128xbf16, #blocked>
      %sb = tilegpu.local_alloc %tb : tensor<64x128xbf16, #blocked> -> !tilegpu.memdesc<64x128xbf16, #sw>
      %d = tilegpu.warp_group_dot %sa, %sb, %acc : !tilegpu.memdesc<128x64xbf16, #sw>, !tilegpu.memdesc<64x128xbf16, #sw>, tensor<128x128xf32, #mma> -> tensor<128x128xf32, #mma>
      scf.yield %d : tensor<128x128xf32, #mma>
    }
    %s = tilegpu.local_alloc %r : tensor<128x128xf32, #mma> -> !tilegpu.memdesc<128x128xf32, #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]}>>
    return
  }
}

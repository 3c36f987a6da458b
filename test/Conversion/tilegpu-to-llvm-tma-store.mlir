// TMA stores from laid-out tilegpu IR (TMAOpToLLVM.cpp): a 64x128 bf16 tile written into a
// buffer of wgmma's 128-byte swizzle (two 64-column blocks of 8 KB), then stored through a
// tensor map, as tilegpu-lower-descriptor-stores makes it.
//  - Every thread writes its part of the buffer, then fence.proxy.async (its generic-proxy
//    writes before the TMA's async-proxy reads); then the CTA barrier insert-barriers places;
//    then, under a branch on thread 0, one cp.async.bulk.tensor (shared::cta -> global) per
//    swizzled block, coordinates innermost first, the second block at column + 64 and 8192 bytes
//    further, and one commit_group; the wait (wait_group.read 0) under a branch on thread 0.
//  - The wgmma-less module still gets 1024-byte aligned shared memory (the swizzle is a
//    function of the address), and the staging buffer's own fence only (no second one).
//  - A rank-3 tensor's block: three coordinates (column, row, head), the head passing through.
// The PTX assembles for sm_90a.
//
// RUN: lacc-opt %s --tilegpu-allocate-shared-memory --tilegpu-insert-barriers --convert-tilegpu-to-llvm | FileCheck %s
// RUN: lacc-opt %s --tilegpu-allocate-shared-memory --tilegpu-insert-barriers --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_90a -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// REQUIRES: ptxas

// CHECK: llvm.mlir.global external @global_smem() {addr_space = 3 : i32, alignment = 1024 : i64}
// CHECK-LABEL: llvm.func @tma_store(
// CHECK-SAME: %[[MAP:arg[0-9]+]]: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant}
// CHECK-SAME: tilegpu.tensor_maps = [{base = 0 : i64, box = array<i64: 64, 64>
// CHECK: llvm.store
// CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK-NOT: nvvm.fence.proxy
// CHECK: nvvm.barrier0
// CHECK: %[[TID:.*]] = nvvm.read.ptx.sreg.tid.x
// CHECK: cf.cond_br
// CHECK: %[[S0:.*]] = llvm.getelementptr %[[BASE:.*]][0] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
// CHECK: nvvm.cp.async.bulk.tensor.global.shared.cta %[[MAP]], %[[S0]], box[%[[COL:.*]], %[[ROW:.*]]] :
// CHECK: %[[S1:.*]] = llvm.getelementptr %[[BASE]][8192] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
// CHECK: %[[COL64:.*]] = llvm.add %[[COL]], %{{.*}} : i32
// CHECK: nvvm.cp.async.bulk.tensor.global.shared.cta %[[MAP]], %[[S1]], box[%[[COL64]], %[[ROW]]] :
// CHECK-NEXT: nvvm.cp.async.bulk.commit.group
// CHECK: cf.cond_br
// CHECK: nvvm.cp.async.bulk.wait_group 0 {read}

// PTX: .param .align 64 .b8 tma_store_param_{{[0-9]+}}[128]
// PTX: st.shared
// PTX: fence.proxy.async.shared::cta;
// PTX: bar.sync 0;
// PTX-COUNT-2: cp.async.bulk.tensor.2d.global.shared::cta.tile.bulk_group [%rd{{[0-9]+}}, {%r{{[0-9]+}}, %r{{[0-9]+}}}], [global_smem{{(\+8192)?}}];
// PTX: cp.async.bulk.commit_group;
// PTX: cp.async.bulk.wait_group.read 0;

// CHECK-LABEL: llvm.func @tma_store_rank3(
// CHECK-SAME: tilegpu.tensor_maps = [{base = 0 : i64, box = array<i64: 1, 64, 64>
// CHECK: nvvm.cp.async.bulk.tensor.global.shared.cta %{{.*}}, %{{.*}}, box[%[[C3:.*]], %[[R3:.*]], %[[H3:.*]]] :
// CHECK: %[[C64:.*]] = llvm.add %[[C3]], %{{.*}} : i32
// CHECK: nvvm.cp.async.bulk.tensor.global.shared.cta %{{.*}}, %{{.*}}, box[%[[C64]], %[[R3]], %[[H3]]] :
// PTX: .entry tma_store_rank3(
// PTX-COUNT-2: cp.async.bulk.tensor.3d.global.shared::cta.tile.bulk_group
// PTX-NOT: cp.async.bulk.tensor.2d

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @tma_store(%t: tensor<64x128xbf16, #blocked>, %row: i32, %map: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 64, 64>, constants = array<i64: 0, 0, 0, 1>, element_bytes = 2 : i64, params = array<i64: 1, 1, 1, -1>, swizzle = 128 : i64}}) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %buf = tilegpu.local_alloc %t : tensor<64x128xbf16, #blocked> -> !tilegpu.memdesc<64x128xbf16, #sw>
    tilegpu.fence_async_shared
    tilegpu.async_tma_copy_local_to_global %map[%row, %c0] %buf : !tilegpu.memdesc<64x128xbf16, #sw>
    tilegpu.tma_store_wait 0, %buf : !tilegpu.memdesc<64x128xbf16, #sw>
    return
  }

  func.func @tma_store_rank3(%t: tensor<64x128xbf16, #blocked>, %bh: i32, %row: i32, %map: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 1, 64, 64>, constants = array<i64: 0, 0, 128, 0, 128, 1>, element_bytes = 2 : i64, params = array<i64: 1, 2, -1, 2, -1, -1>, swizzle = 128 : i64}}) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %buf = tilegpu.local_alloc %t : tensor<64x128xbf16, #blocked> -> !tilegpu.memdesc<64x128xbf16, #sw>
    tilegpu.fence_async_shared
    tilegpu.async_tma_copy_local_to_global %map[%bh, %row, %c0] %buf : !tilegpu.memdesc<64x128xbf16, #sw>
    tilegpu.tma_store_wait 0, %buf : !tilegpu.memdesc<64x128xbf16, #sw>
    return
  }
}

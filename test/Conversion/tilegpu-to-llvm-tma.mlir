// mbarriers and TMA copies from laid-out tilegpu IR (TMAOpToLLVM.cpp), in a kernel that reads
// a 64x128 bf16 block through a tensor map into wgmma's 128-byte-swizzled layout (two 64-column
// blocks of 8 KB) and loads it into registers.
//  - The hidden tensor-map parameter becomes a 128-byte, 64-byte aligned grid-constant byval
//    parameter; its description moves to the kernel's tilegpu.tensor_maps, and it is not a user
//    parameter (tile.kernel_arg_types lists only the others).
//  - init, arm and copy are predicated on thread 0 (and the copy's own predicate); the wait is
//    MLIR's try_wait.parity loop; the invalidation runs under a branch on thread 0.
//  - The copy is one cp.async.bulk.tensor per swizzled block: coordinates innermost first
//    (column, row), the second block at column + 64 and 8192 bytes further in shared memory.
//  - The shared memory is 1024-byte aligned (the swizzle is a function of the address).
// The PTX assembles for sm_90a: `.param .align 64 .b8 ...[128]`, its address through
// cvta.param, mbarrier and cp.async.bulk.tensor instructions.
//
// RUN: lacc-opt %s --tilegpu-allocate-shared-memory --tilegpu-insert-barriers --convert-tilegpu-to-llvm | FileCheck %s
// RUN: lacc-opt %s --tilegpu-allocate-shared-memory --tilegpu-insert-barriers --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_90a -o %t.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx
// RUN: %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// REQUIRES: ptxas

// CHECK: llvm.mlir.global external @global_smem() {addr_space = 3 : i32, alignment = 1024 : i64}
// CHECK-LABEL: llvm.func @tma_load(
// CHECK-SAME: %arg{{[0-9]+}}: i32, %[[MAP:arg[0-9]+]]: !llvm.ptr {llvm.align = 64 : i64, llvm.byval = !llvm.array<128 x i8>, nvvm.grid_constant}
// CHECK-SAME: tilegpu.tensor_maps = [{base = 0 : i64, box = array<i64: 64, 64>
// CHECK: nvvm.mbarrier.init %[[BAR:.*]], %{{.*}}, predicate = %{{.*}} : !llvm.ptr<3>, i32, i1
// CHECK: nvvm.mbarrier.arrive.expect_tx %[[BAR]], %{{.*}}, predicate = %{{.*}} : !llvm.ptr<3>, i32, i1
// CHECK: %[[D0:.*]] = llvm.getelementptr %[[BASE:.*]][0] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %[[D0]], %[[MAP]], %[[BAR]], box[%[[COL:.*]], %[[ROW:.*]]] predicate = %[[P:.*]] :
// CHECK: %[[D1:.*]] = llvm.getelementptr %[[BASE]][8192] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
// CHECK: %[[COL64:.*]] = llvm.add %[[COL]], %{{.*}} : i32
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %[[D1]], %[[MAP]], %[[BAR]], box[%[[COL64]], %[[ROW]]] predicate = %[[P]] :
// CHECK: nvvm.barrier0
// CHECK: nvvm.mbarrier.try_wait.parity %[[BAR]]
// CHECK: nvvm.barrier0
// CHECK: nvvm.mbarrier.inval %[[BAR]]

// PTX: .param .align 64 .b8 tma_load_param_{{[0-9]+}}[128]
// PTX: cvta.param.u64
// PTX: mbarrier.init.shared.b64
// PTX: mbarrier.arrive.expect_tx.shared.b64 _, [{{.*}}], 16384;
// PTX-COUNT-2: cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes
// PTX: mbarrier.try_wait.parity.shared.b64
// PTX: mbarrier.inval.shared.b64

// The same block of one head of a rank-3 tensor (box 1x64x64): three coordinates, innermost
// first (column, row, head); the second block moves the column only.
// CHECK-LABEL: llvm.func @tma_load_rank3(
// CHECK-SAME: tilegpu.tensor_maps = [{base = 0 : i64, box = array<i64: 1, 64, 64>
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[MAP3:.*]], %[[BAR3:.*]], box[%[[C3:.*]], %[[R3:.*]], %[[H3:.*]]] predicate
// CHECK: %[[C64:.*]] = llvm.add %[[C3]], %{{.*}} : i32
// CHECK: nvvm.cp.async.bulk.tensor.shared.cluster.global %{{.*}}, %[[MAP3]], %[[BAR3]], box[%[[C64]], %[[R3]], %[[H3]]] predicate
// PTX: .entry tma_load_rank3(
// PTX-COUNT-2: cp.async.bulk.tensor.3d.shared::cluster.global.mbarrier::complete_tx::bytes [%r{{[0-9]+}}], [%rd{{[0-9]+}}, {{[{]}}{{[0-9%r]+}},%r{{[0-9]+}},%r{{[0-9]+}}{{[}]}} ]
// PTX-NOT: cp.async.bulk.tensor.2d

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#bar = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @tma_load(%ptrs: tensor<64x128x!tile.ptr<bf16>, #blocked>, %row: i32, %map: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 64, 64>, constants = array<i64: 0, 0, 0, 1>, element_bytes = 2 : i64, params = array<i64: 1, 1, 1, -1>, swizzle = 128 : i64}}) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %true = arith.constant true
    %buf = tilegpu.local_alloc -> !tilegpu.memdesc<64x128xbf16, #sw>
    %b = tilegpu.local_alloc -> !tilegpu.memdesc<1xi64, #bar>
    tilegpu.init_barrier %b, 1 : !tilegpu.memdesc<1xi64, #bar>
    tilegpu.barrier_expect %b, 16384, %true : !tilegpu.memdesc<1xi64, #bar>
    tilegpu.async_tma_copy_global_to_local %map[%row, %c0] %buf, %b, %true : !tilegpu.memdesc<64x128xbf16, #sw>, !tilegpu.memdesc<1xi64, #bar>
    tilegpu.wait_barrier %b, %c0 : !tilegpu.memdesc<1xi64, #bar>
    tilegpu.inval_barrier %b : !tilegpu.memdesc<1xi64, #bar>
    %t = tilegpu.local_load %buf : !tilegpu.memdesc<64x128xbf16, #sw> -> tensor<64x128xbf16, #blocked>
    tile.store %ptrs, %t : tensor<64x128x!tile.ptr<bf16>, #blocked>
    return
  }

  func.func @tma_load_rank3(%ptrs: tensor<64x128x!tile.ptr<bf16>, #blocked>, %bh: i32, %row: i32, %map: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 1, 64, 64>, constants = array<i64: 0, 0, 128, 0, 128, 1>, element_bytes = 2 : i64, params = array<i64: 1, 2, -1, 2, -1, -1>, swizzle = 128 : i64}}) attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %true = arith.constant true
    %buf = tilegpu.local_alloc -> !tilegpu.memdesc<64x128xbf16, #sw>
    %b = tilegpu.local_alloc -> !tilegpu.memdesc<1xi64, #bar>
    tilegpu.init_barrier %b, 1 : !tilegpu.memdesc<1xi64, #bar>
    tilegpu.barrier_expect %b, 16384, %true : !tilegpu.memdesc<1xi64, #bar>
    tilegpu.async_tma_copy_global_to_local %map[%bh, %row, %c0] %buf, %b, %true : !tilegpu.memdesc<64x128xbf16, #sw>, !tilegpu.memdesc<1xi64, #bar>
    tilegpu.wait_barrier %b, %c0 : !tilegpu.memdesc<1xi64, #bar>
    tilegpu.inval_barrier %b : !tilegpu.memdesc<1xi64, #bar>
    %t = tilegpu.local_load %buf : !tilegpu.memdesc<64x128xbf16, #sw> -> tensor<64x128xbf16, #blocked>
    tile.store %ptrs, %t : tensor<64x128x!tile.ptr<bf16>, #blocked>
    return
  }
}

// Explicit shared-memory buffers from laid-out tilegpu IR (SharedMemoryOpToLLVM.cpp).
//
// local_alloc / local_store write a distributed tile into a buffer in its shared layout
// (row-major along `order`, XOR-swizzled), local_load reads it back in another layout; the
// accesses are as wide as both layouts allow, and a local_load of 16-bit mma operand fragments
// uses ldmatrix wherever the buffer's 16-byte rows line up with the fragments' 8x8 matrices.
// The tilegpu.barrier between writing and reading is spelled out (tilegpu-insert-barriers
// places it in the pipeline); the lowering adds none of its own: exactly one bar.sync each.
//
//  - @a_ldmatrix:       32x32 bf16 A operand (2x2 warps: 16 rows per warp, two k16 steps)
//                       staged K-contiguous with the swizzle accelerate-matmul picks for 64-byte
//                       rows (vec 8, perPhase 2, maxPhase 4): one 16-byte st.shared per thread
//                       whose address XORs the row's phase into the column group, then two
//                       ldmatrix.x4 (non-transposed: rows of the buffer are rows of A);
//  - @b_ldmatrix_trans: the same buffer read as the B operand (K x N, N contiguous in memory):
//                       ldmatrix.x4.trans;
//  - @b_ldmatrix:       B staged N-major (order [0, 1], K contiguous): ldmatrix.x4, no .trans;
//  - @plain_store_load: an unswizzled f32 buffer at byte 512: empty local_alloc, local_store of
//                       rows (8 x st.shared.v4), local_load of columns (32 x ld.shared.b32: no
//                       two consecutive registers are adjacent in memory), no ldmatrix (32-bit);
//  - @tf32_no_ldmatrix: an f32 (tf32) mma operand is read with plain loads, not ldmatrix.
//
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | FileCheck %s
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_80 -o %t.sm_80.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_80.ptx
// RUN: %ptxas -arch=sm_80 %t.sm_80.ptx -o %t.sm_80.cubin
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_90a -o %t.sm_90a.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_90a.ptx
// RUN: %ptxas -arch=sm_90a %t.sm_90a.ptx -o %t.sm_90a.cubin
// REQUIRES: ptxas

#rows = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], order = [1, 0]}>
#colsB = #tilegpu.blocked<{sizePerThread = [8, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 4], order = [0, 1]}>
#rows4 = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#pairs = #tilegpu.blocked<{sizePerThread = [1, 2], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], order = [1, 0]}>
#cols4 = #tilegpu.blocked<{sizePerThread = [4, 1], threadsPerWarp = [16, 2], warpsPerCTA = [1, 4], order = [0, 1]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [1, 0]}>
#swT = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [0, 1]}>
#plain = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]}>
#sw32 = #tilegpu.shared<{vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8]}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>
#a1 = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 1}>

module attributes {tilegpu.num_warps = 4 : i32} {
  // CHECK-LABEL: llvm.func @a_ldmatrix(
  // CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @global_smem : !llvm.ptr<3>
  // CHECK: llvm.xor
  // CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<3>
  // CHECK-NOT: llvm.store
  // CHECK: nvvm.barrier0
  // CHECK-NOT: nvvm.barrier0
  // CHECK: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
  // CHECK: nvvm.ldmatrix %{{.*}} layout = #nvvm.mma_layout<row>, num = 4
  // CHECK-NOT: nvvm.ldmatrix
  // CHECK-NOT: llvm.load
  // CHECK: llvm.return
  // PTX-LABEL: a_ldmatrix(
  // PTX: st.shared.v4.b32
  // PTX-NEXT: bar.sync 0;
  // PTX-COUNT-2: ldmatrix.sync.aligned.m8n8.x4.shared.b16
  // PTX-NOT: ldmatrix
  // PTX-NOT: ld.shared
  // PTX-NOT: bar.sync
  // PTX: End function
  func.func @a_ldmatrix(%x: tensor<32x32xbf16, #rows>) -> tensor<32x32xbf16, #a> {
    %m = tilegpu.local_alloc %x : tensor<32x32xbf16, #rows> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xbf16, #sw>
    tilegpu.barrier
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xbf16, #sw> -> tensor<32x32xbf16, #a>
    return %y : tensor<32x32xbf16, #a>
  }
  // CHECK-LABEL: llvm.func @b_ldmatrix_trans(
  // CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<3>
  // CHECK: nvvm.barrier0
  // CHECK-COUNT-2: nvvm.ldmatrix %{{.*}} layout = #nvvm.mma_layout<col>, num = 4
  // CHECK-NOT: nvvm.ldmatrix
  // CHECK-NOT: llvm.load
  // CHECK: llvm.return
  // PTX-LABEL: b_ldmatrix_trans(
  // PTX: bar.sync 0;
  // PTX-COUNT-2: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
  // PTX-NOT: ldmatrix
  // PTX-NOT: ld.shared
  // PTX: End function
  func.func @b_ldmatrix_trans(%x: tensor<32x32xbf16, #rows>) -> tensor<32x32xbf16, #b> {
    %m = tilegpu.local_alloc %x : tensor<32x32xbf16, #rows> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xbf16, #sw>
    tilegpu.barrier
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xbf16, #sw> -> tensor<32x32xbf16, #b>
    return %y : tensor<32x32xbf16, #b>
  }
  // CHECK-LABEL: llvm.func @b_ldmatrix(
  // CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<3>
  // CHECK: nvvm.barrier0
  // CHECK-COUNT-2: nvvm.ldmatrix %{{.*}} layout = #nvvm.mma_layout<row>, num = 4
  // CHECK-NOT: nvvm.ldmatrix
  // CHECK-NOT: llvm.load
  // CHECK: llvm.return
  // PTX-LABEL: b_ldmatrix(
  // PTX: bar.sync 0;
  // PTX-COUNT-2: ldmatrix.sync.aligned.m8n8.x4.shared.b16
  // PTX-NOT: ldmatrix
  // PTX-NOT: ld.shared
  // PTX: End function
  func.func @b_ldmatrix(%x: tensor<32x32xbf16, #colsB>) -> tensor<32x32xbf16, #b> {
    %m = tilegpu.local_alloc %x : tensor<32x32xbf16, #colsB> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xbf16, #swT>
    tilegpu.barrier
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xbf16, #swT> -> tensor<32x32xbf16, #b>
    return %y : tensor<32x32xbf16, #b>
  }
  // CHECK-LABEL: llvm.func @plain_store_load(
  // CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @global_smem : !llvm.ptr<3>
  // CHECK-NEXT: llvm.getelementptr %[[SMEM]][512] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
  // CHECK-NOT: llvm.xor
  // CHECK-COUNT-8: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<3>
  // CHECK-NOT: llvm.store
  // CHECK: nvvm.barrier0
  // CHECK-COUNT-32: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr<3> -> f32
  // CHECK-NOT: llvm.load
  // CHECK-NOT: nvvm.ldmatrix
  // CHECK: llvm.return
  // PTX-LABEL: plain_store_load(
  // PTX-COUNT-8: st.shared.v4.b32
  // PTX: bar.sync 0;
  // PTX-COUNT-32: ld.shared.b32
  // PTX-NOT: ld.shared
  // PTX: End function
  func.func @plain_store_load(%x: tensor<64x64xf32, #rows4>) -> tensor<64x64xf32, #cols4> {
    %m = tilegpu.local_alloc {tilegpu.shared_offset = 512 : i32} -> !tilegpu.memdesc<64x64xf32, #plain>
    tilegpu.local_store %x, %m : tensor<64x64xf32, #rows4> -> !tilegpu.memdesc<64x64xf32, #plain>
    tilegpu.barrier
    %y = tilegpu.local_load %m : !tilegpu.memdesc<64x64xf32, #plain> -> tensor<64x64xf32, #cols4>
    return %y : tensor<64x64xf32, #cols4>
  }
  // CHECK-LABEL: llvm.func @tf32_no_ldmatrix(
  // CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 8 : i64} : vector<2xf32>, !llvm.ptr<3>
  // CHECK: nvvm.barrier0
  // CHECK-COUNT-4: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr<3> -> f32
  // CHECK-NOT: nvvm.ldmatrix
  // CHECK: llvm.return
  func.func @tf32_no_ldmatrix(%x: tensor<32x8xf32, #pairs>) -> tensor<32x8xf32, #a1> {
    %m = tilegpu.local_alloc %x : tensor<32x8xf32, #pairs> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x8xf32, #plain>
    tilegpu.barrier
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x8xf32, #plain> -> tensor<32x8xf32, #a1>
    return %y : tensor<32x8xf32, #a1>
  }
}

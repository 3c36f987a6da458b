// tile.dot from laid-out tilegpu IR: the FMA lowering (DotOpToLLVM.cpp) for operands of a
// blocked parent, mma.sync (MMAv2DotOpToLLVM.cpp) for operands of an #tilegpu.mma parent.
//
//  - @fma: a 32x32 f32 accumulator in #acc (8 registers per thread), K = 8, bf16 operands in
//    dot_op layouts of #acc: every thread already holds the rows and columns of its
//    accumulator, so the product is 8 x 8 = 64 FMAs with no communication; each operand
//    register is widened once (16 A + 32 B registers: 48 conversions, not 128);
//  - @mma_bf16: 32x32x32 over 2x2 warps: each warp owns 16x16 = two 16x8 tiles, K = 32 is two
//    k16 steps: 4 mma.sync.m16n8k16 bf16, the second k step accumulating onto the first's
//    result, A fragments packed once and reused across the two N tiles; operands packed in
//    pairs (kWidth = 2) into 32-bit registers;
//  - @mma_f16: the same for f16, whose pairs travel as vector<2xf16>;
//  - @mma_tf32: f32 operands with input_precision = tf32 (kWidth = 1): each operand register
//    rounded once by cvt.rna.tf32.f32, then mma.sync.m16n8k8 tf32.
//
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | FileCheck %s
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_80 -o %t.sm_80.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_80.ptx
// RUN: %ptxas -arch=sm_80 %t.sm_80.ptx -o %t.sm_80.cubin
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_90a -o %t.sm_90a.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_90a.ptx
// RUN: %ptxas -arch=sm_90a %t.sm_90a.ptx -o %t.sm_90a.cubin
// REQUIRES: ptxas

#acc = #tilegpu.blocked<{sizePerThread = [2, 2], threadsPerWarp = [8, 4], warpsPerCTA = [2, 2], order = [1, 0]}>
#fa = #tilegpu.dot_op<{opIdx = 0, parent = #acc}>
#fb = #tilegpu.dot_op<{opIdx = 1, parent = #acc}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8]}>
#a2 = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b2 = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>
#a1 = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 1}>
#b1 = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 1}>

module attributes {tilegpu.num_warps = 4 : i32} {
  // CHECK-LABEL: llvm.func @fma(
  // CHECK-SAME: %arg47: bf16, %arg48: f32
  // CHECK-SAME: %arg55: f32) -> !llvm.struct<(f32, f32, f32, f32, f32, f32, f32, f32)>
  // CHECK-COUNT-48: llvm.fpext %{{.*}} : bf16 to f32
  // CHECK-NOT: llvm.fpext
  // CHECK: llvm.intr.fma(%{{.*}}, %{{.*}}, %arg48)
  // CHECK-COUNT-63: llvm.intr.fma
  // CHECK-NOT: llvm.intr.fma
  // CHECK-NOT: nvvm.mma.sync
  // CHECK: llvm.return
  // PTX-LABEL: fma(
  // PTX-COUNT-48: cvt.f32.bf16
  // PTX-NOT: cvt.f32.bf16
  // PTX-COUNT-64: fma.rn.f32
  // PTX-NOT: fma.rn.f32
  // PTX: End function
  func.func @fma(%a: tensor<32x8xbf16, #fa>, %b: tensor<8x32xbf16, #fb>, %c: tensor<32x32xf32, #acc>) -> tensor<32x32xf32, #acc> {
    %d = tile.dot %a, %b, %c : tensor<32x8xbf16, #fa>, tensor<8x32xbf16, #fb> -> tensor<32x32xf32, #acc>
    return %d : tensor<32x32xf32, #acc>
  }

  // Registers: A %arg0..15 (2 k steps x 8), B %arg16..31 (2 N tiles x 2 k steps x 4), C %arg32..39.
  // CHECK-LABEL: llvm.func @mma_bf16(
  // CHECK-COUNT-16: llvm.bitcast %{{.*}} : vector<2xbf16> to i32
  // CHECK-NOT: llvm.bitcast
  // CHECK: %[[MMA0:.*]] = nvvm.mma.sync A[%[[A0:[0-9]+]], %[[A1:[0-9]+]], %[[A2:[0-9]+]], %[[A3:[0-9]+]]] B[%{{.*}}, %{{.*}}] C[%arg32, %arg33, %arg34, %arg35]
  // CHECK-SAME: layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>
  // CHECK-SAME: multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>
  // CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>
  // CHECK-NEXT: %[[C0:.*]] = llvm.extractvalue %[[MMA0]][0]
  // CHECK-NEXT: %[[C1:.*]] = llvm.extractvalue %[[MMA0]][1]
  // CHECK-NEXT: %[[C2:.*]] = llvm.extractvalue %[[MMA0]][2]
  // CHECK-NEXT: %[[C3:.*]] = llvm.extractvalue %[[MMA0]][3]
  // CHECK-NEXT: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[%[[C0]], %[[C1]], %[[C2]], %[[C3]]]
  // CHECK: nvvm.mma.sync A[%[[A0]], %[[A1]], %[[A2]], %[[A3]]] B[{{.*}}] C[%arg36, %arg37, %arg38, %arg39]
  // CHECK: nvvm.mma.sync
  // CHECK-NOT: nvvm.mma.sync
  // CHECK: llvm.return
  // PTX-LABEL: mma_bf16(
  // PTX-COUNT-4: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
  // PTX-NOT: mma.sync
  // PTX: End function
  func.func @mma_bf16(%a: tensor<32x32xbf16, #a2>, %b: tensor<32x32xbf16, #b2>, %c: tensor<32x32xf32, #mma>) -> tensor<32x32xf32, #mma> {
    %d = tile.dot %a, %b, %c : tensor<32x32xbf16, #a2>, tensor<32x32xbf16, #b2> -> tensor<32x32xf32, #mma>
    return %d : tensor<32x32xf32, #mma>
  }

  // CHECK-LABEL: llvm.func @mma_f16(
  // CHECK-COUNT-2: nvvm.mma.sync {{.*}} shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32)
  // CHECK-NOT: nvvm.mma.sync
  // CHECK: llvm.return
  // PTX-LABEL: mma_f16(
  // PTX-COUNT-2: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
  // PTX-NOT: mma.sync
  // PTX: End function
  func.func @mma_f16(%a: tensor<32x16xf16, #a2>, %b: tensor<16x32xf16, #b2>, %c: tensor<32x32xf32, #mma>) -> tensor<32x32xf32, #mma> {
    %d = tile.dot %a, %b, %c : tensor<32x16xf16, #a2>, tensor<16x32xf16, #b2> -> tensor<32x32xf32, #mma>
    return %d : tensor<32x32xf32, #mma>
  }

  // CHECK-LABEL: llvm.func @mma_tf32(
  // CHECK-COUNT-8: nvvm.convert.float.to.tf32 %arg{{[0-7]}} {rnd = #nvvm.fp_rnd_mode<rna>}
  // CHECK-NOT: nvvm.convert.float.to.tf32
  // CHECK: nvvm.mma.sync {{.*}} C[%arg8, %arg9, %arg10, %arg11]
  // CHECK-SAME: multiplicandAPtxType = #nvvm.mma_type<tf32>, multiplicandBPtxType = #nvvm.mma_type<tf32>
  // CHECK-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 8>
  // CHECK: nvvm.mma.sync {{.*}} C[%arg12, %arg13, %arg14, %arg15]
  // CHECK-NOT: nvvm.mma.sync
  // CHECK: llvm.return
  // PTX-LABEL: mma_tf32(
  // PTX-COUNT-8: cvt.rna.tf32.f32
  // PTX-COUNT-2: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
  // PTX-NOT: mma.sync
  // PTX: End function
  func.func @mma_tf32(%a: tensor<32x8xf32, #a1>, %b: tensor<8x32xf32, #b1>, %c: tensor<32x32xf32, #mma>) -> tensor<32x32xf32, #mma> {
    %d = tile.dot %a, %b, %c input_precision = tf32 : tensor<32x8xf32, #a1>, tensor<8x32xf32, #b1> -> tensor<32x32xf32, #mma>
    return %d : tensor<32x32xf32, #mma>
  }
}

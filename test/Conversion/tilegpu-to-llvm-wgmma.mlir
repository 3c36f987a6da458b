// tilegpu.warp_group_dot from laid-out tilegpu IR (WGMMADotOpToLLVM.cpp): Hopper's wgmma
// reading both operands from shared memory through matrix descriptors. 8 warps: two
// warpgroups, each multiplying its own 64 rows.
//
//  - @a_k_major_b_n_major: 128x64 += [128x64] * [64x64], A K-contiguous and B N-contiguous,
//    both in 128-byte-swizzled rows (chunk 64). One m64n64k16 per 16-wide K step: 4, chained
//    on one accumulator struct of 32 f32 (64 x 64 / 128 threads), B transposed (imm-trans-b:
//    layout row). Descriptors: swizzle mode 1 (bits 62-63), SBO = 8 rows of 128 bytes = 1024
//    (>> 4 = 64, bits 32-45), LBO = a whole block of rows (A: 128 x 128 B = 16384; B: 64 x 128 B
//    = 8192; >> 4 at bits 16-29); only the start address changes per K step (A: +32 bytes
//    within the swizzled row; B: +16 rows = 2048 bytes) and, for A, per warpgroup (+64 rows =
//    8192 bytes, from the warp id).
//  - @b_k_major: 256x32 += [256x32] * [32x32] with B K-contiguous (order [0, 1]) in 64-byte
//    rows (chunk 32, swizzle mode 2): not transposed (layout col); two 64-row blocks per
//    warpgroup and two K steps: 4 m64n32k16.
//  - @a_in_registers: 128x64 += [128x32] * [32x64] with A an f16 tile in the accumulator's
//    operand layout (a dot fed by a dot): wgmma's register-A form, one inline-asm m64n64k16 per
//    K step (2), each taking the accumulator's 32 registers tied, A's fragment as four 32-bit
//    registers (mma.sync's m16n8k16 A fragment: the 16 f16 of a thread, 8 per K step) and B's
//    descriptor; scale-d 1, imm-scale-a/b 1, imm-trans-b 1 (B N-contiguous).
// All: the stores into the buffers are followed by fence.proxy.async (wgmma reads through the
// async proxy), wgmma.fence before the first MMA, one commit_group, and the wait_group 0 as an
// inline asm that takes and returns every accumulator register; the shared memory is 1024-byte
// aligned. The PTX assembles for sm_90a.
//
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | FileCheck %s
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_90a -o %t.sm_90a.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_90a.ptx
// RUN: %ptxas -arch=sm_90a %t.sm_90a.ptx -o %t.sm_90a.cubin
// REQUIRES: ptxas

#rows = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [8, 1], order = [1, 0]}>
#cols = #tilegpu.blocked<{sizePerThread = [8, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 8], order = [0, 1]}>
#sw128 = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#sw64 = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [1, 0], chunk = 32}>
#sw64T = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [0, 1], chunk = 32}>
#wg64 = #tilegpu.mma<{version = 3, warpsPerCTA = [8, 1], instrShape = [16, 64]}>
#wg32 = #tilegpu.mma<{version = 3, warpsPerCTA = [8, 1], instrShape = [16, 32]}>

// CHECK: llvm.mlir.global external @global_smem() {addr_space = 3 : i32, alignment = 1024 : i64}
module attributes {tilegpu.num_warps = 8 : i32} {
  // CHECK-LABEL: llvm.func @a_k_major_b_n_major(
  // CHECK: llvm.store
  // CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
  // CHECK: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
  // CHECK: nvvm.barrier0
  // CHECK: nvvm.wgmma.fence.aligned
  // CHECK-DAG: llvm.mlir.constant(4611686293372403712 : i64)
  // CHECK-DAG: llvm.mlir.constant(4611686293338849280 : i64)
  // CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 64, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <row>]
  // CHECK-NOT: nvvm.wgmma.mma_async
  // CHECK: nvvm.wgmma.commit.group.sync.aligned
  // CHECK: llvm.inline_asm has_side_effects {{.*}}"wgmma.wait_group.sync.aligned 0;", "=f,{{.*}},31"
  // CHECK: llvm.return
  // PTX-LABEL: a_k_major_b_n_major(
  // PTX: fence.proxy.async.shared::cta;
  // PTX: bar.sync 0;
  // PTX: wgmma.fence.sync.aligned;
  // PTX-COUNT-4: wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16
  // PTX: wgmma.commit_group.sync.aligned;
  // PTX: wgmma.wait_group.sync.aligned 0;
  func.func @a_k_major_b_n_major(%a: tensor<128x64xbf16, #rows>, %b: tensor<64x64xbf16, #rows>, %c: tensor<128x64xf32, #wg64>) -> tensor<128x64xf32, #wg64> {
    %sa = tilegpu.local_alloc %a : tensor<128x64xbf16, #rows> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<128x64xbf16, #sw128>
    %sb = tilegpu.local_alloc %b : tensor<64x64xbf16, #rows> {tilegpu.shared_offset = 16384 : i32} -> !tilegpu.memdesc<64x64xbf16, #sw128>
    tilegpu.barrier
    %d = tilegpu.warp_group_dot %sa, %sb, %c : !tilegpu.memdesc<128x64xbf16, #sw128>, !tilegpu.memdesc<64x64xbf16, #sw128>, tensor<128x64xf32, #wg64> -> tensor<128x64xf32, #wg64>
    return %d : tensor<128x64xf32, #wg64>
  }
  // CHECK-LABEL: llvm.func @b_k_major(
  // CHECK: nvvm.wgmma.fence.aligned
  // CHECK-COUNT-4: nvvm.wgmma.mma_async {{.*}}, <m = 64, n = 32, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
  // CHECK-NOT: nvvm.wgmma.mma_async
  // CHECK: nvvm.wgmma.commit.group.sync.aligned
  // CHECK: llvm.return
  // PTX-LABEL: b_k_major(
  // PTX-COUNT-4: wgmma.mma_async.sync.aligned.m64n32k16.f32.bf16.bf16
  // PTX: wgmma.wait_group.sync.aligned 0;
  func.func @b_k_major(%a: tensor<256x32xbf16, #rows>, %b: tensor<32x32xbf16, #cols>, %c: tensor<256x32xf32, #wg32>) -> tensor<256x32xf32, #wg32> {
    %sa = tilegpu.local_alloc %a : tensor<256x32xbf16, #rows> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<256x32xbf16, #sw64>
    %sb = tilegpu.local_alloc %b : tensor<32x32xbf16, #cols> {tilegpu.shared_offset = 16384 : i32} -> !tilegpu.memdesc<32x32xbf16, #sw64T>
    tilegpu.barrier
    %d = tilegpu.warp_group_dot %sa, %sb, %c : !tilegpu.memdesc<256x32xbf16, #sw64>, !tilegpu.memdesc<32x32xbf16, #sw64T>, tensor<256x32xf32, #wg32> -> tensor<256x32xf32, #wg32>
    return %d : tensor<256x32xf32, #wg32>
  }
  // CHECK-LABEL: llvm.func @a_in_registers(
  // CHECK: nvvm.wgmma.fence.aligned
  // CHECK-COUNT-2: llvm.inline_asm has_side_effects {{.*}}"wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {$0, {{.*}}, $31}, {$64, $65, $66, $67}, $68, 1, 1, 1, 1;", "=f,{{.*}},=f,0,{{.*}},31,r,r,r,r,l"
  // CHECK-NOT: nvvm.wgmma.mma_async
  // CHECK: nvvm.wgmma.commit.group.sync.aligned
  // CHECK: wgmma.wait_group.sync.aligned 0;
  // PTX-LABEL: a_in_registers(
  // PTX: wgmma.fence.sync.aligned;
  // PTX-COUNT-2: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {{.*}}}, {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, %rd{{[0-9]+}}, 1, 1, 1, 1;
  // PTX: wgmma.commit_group.sync.aligned;
  // PTX: wgmma.wait_group.sync.aligned 0;
  func.func @a_in_registers(%a: tensor<128x32xf16, #tilegpu.dot_op<{opIdx = 0, parent = #wg64, kWidth = 2}>>, %b: tensor<32x64xf16, #rows>, %c: tensor<128x64xf32, #wg64>) -> tensor<128x64xf32, #wg64> {
    %sb = tilegpu.local_alloc %b : tensor<32x64xf16, #rows> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x64xf16, #sw128>
    tilegpu.barrier
    %d = tilegpu.warp_group_dot %a, %sb, %c : tensor<128x32xf16, #tilegpu.dot_op<{opIdx = 0, parent = #wg64, kWidth = 2}>>, !tilegpu.memdesc<32x64xf16, #sw128>, tensor<128x64xf32, #wg64> -> tensor<128x64xf32, #wg64>
    return %d : tensor<128x64xf32, #wg64>
  }
}

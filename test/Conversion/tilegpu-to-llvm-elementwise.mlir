// Elementwise arith and math ops from laid-out tilegpu IR (ElementwiseOpToLLVM.cpp).
//
// A tile is, per thread, the list of elements its layout gives that thread; an elementwise op
// is the scalar op once per element, whatever the layout (blocked or mma: the same code). What
// is checked:
//  - one scalar op per register (4 for 512 elements in #b4 over 128 threads, 8 for a 32x32
//    accumulator in #mma with 2x2 warps), operands taken register by register, a splat scalar
//    shared by all, a splat constant materialized once;
//  - the transcendentals use the fast approximate instructions: exp(x) = ex2.approx(x * log2 e),
//    rsqrt = rsqrt.approx; 16-bit floats are widened to f32 around them and rounded back
//    (cvt.rn.bf16.f32 on the PTX side).
//
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | FileCheck %s
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_80 -o %t.sm_80.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_80.ptx
// RUN: %ptxas -arch=sm_80 %t.sm_80.ptx -o %t.sm_80.cubin
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_90a -o %t.sm_90a.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_90a.ptx
// RUN: %ptxas -arch=sm_90a %t.sm_90a.ptx -o %t.sm_90a.cubin
// REQUIRES: ptxas

#b4 = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8]}>

module attributes {tilegpu.num_warps = 4 : i32} {
  // Registers 0..3 of %x are %arg0..%arg3, of %y %arg4..%arg7; %s is %arg8.
  // CHECK-LABEL: llvm.func @per_register(
  // CHECK-SAME: %arg0: f32, %arg1: f32, %arg2: f32, %arg3: f32, %arg4: f32, %arg5: f32, %arg6: f32, %arg7: f32, %arg8: f32)
  // CHECK-SAME: -> !llvm.struct<(f32, f32, f32, f32)>
  // CHECK: %[[TWO:.*]] = llvm.mlir.constant(2.000000e+00 : f32) : f32
  // CHECK-NEXT: %[[M0:.*]] = llvm.fmul %arg0, %arg8 : f32
  // CHECK-NEXT: %[[M1:.*]] = llvm.fmul %arg1, %arg8 : f32
  // CHECK-NEXT: %[[M2:.*]] = llvm.fmul %arg2, %arg8 : f32
  // CHECK-NEXT: %[[M3:.*]] = llvm.fmul %arg3, %arg8 : f32
  // CHECK-NEXT: %[[A0:.*]] = llvm.fadd %[[M0]], %[[TWO]] : f32
  // CHECK-NEXT: %[[A1:.*]] = llvm.fadd %[[M1]], %[[TWO]] : f32
  // CHECK-NEXT: %[[A2:.*]] = llvm.fadd %[[M2]], %[[TWO]] : f32
  // CHECK-NEXT: %[[A3:.*]] = llvm.fadd %[[M3]], %[[TWO]] : f32
  // CHECK-NEXT: %[[C0:.*]] = llvm.fcmp "ogt" %[[A0]], %arg4 : f32
  // CHECK-NEXT: %[[C1:.*]] = llvm.fcmp "ogt" %[[A1]], %arg5 : f32
  // CHECK-NEXT: %[[C2:.*]] = llvm.fcmp "ogt" %[[A2]], %arg6 : f32
  // CHECK-NEXT: %[[C3:.*]] = llvm.fcmp "ogt" %[[A3]], %arg7 : f32
  // CHECK-NEXT: llvm.select %[[C0]], %[[A0]], %arg4 : i1, f32
  // CHECK-NEXT: llvm.select %[[C1]], %[[A1]], %arg5 : i1, f32
  // CHECK-NEXT: llvm.select %[[C2]], %[[A2]], %arg6 : i1, f32
  // CHECK-NEXT: llvm.select %[[C3]], %[[A3]], %arg7 : i1, f32
  // CHECK-NOT: llvm.fmul
  // CHECK: llvm.return
  // PTX-LABEL: per_register(
  // PTX-COUNT-4: mul.rn.f32
  // PTX-COUNT-4: add.rn.f32 {{.*}}, 0f40000000;
  // PTX-COUNT-4: selp.f32
  func.func @per_register(%x: tensor<512xf32, #b4>, %y: tensor<512xf32, #b4>, %s: f32) -> tensor<512xf32, #b4> {
    %ss = tile.splat %s : tensor<512xf32, #b4>
    %m = arith.mulf %x, %ss : tensor<512xf32, #b4>
    %c = arith.constant dense<2.0> : tensor<512xf32, #b4>
    %a = arith.addf %m, %c : tensor<512xf32, #b4>
    %gt = arith.cmpf ogt, %a, %y : tensor<512xf32, #b4>
    %r = arith.select %gt, %a, %y : tensor<512xi1, #b4>, tensor<512xf32, #b4>
    return %r : tensor<512xf32, #b4>
  }

  // An mma accumulator: 8 registers per thread; exp is exp2 of x * log2(e), then bf16 rounding.
  // CHECK-LABEL: llvm.func @mma_layout(
  // CHECK-SAME: %arg7: f32) -> !llvm.struct<(bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16)>
  // CHECK-COUNT-8: llvm.intr.exp2
  // CHECK-NOT: llvm.intr.exp2
  // CHECK-COUNT-8: llvm.fptrunc %{{.*}} : f32 to bf16
  // CHECK-NOT: llvm.fptrunc
  // CHECK: llvm.return
  // PTX-LABEL: mma_layout(
  // PTX-COUNT-8: ex2.approx.f32
  // PTX-COUNT-8: cvt.rn.bf16.f32
  func.func @mma_layout(%x: tensor<32x32xf32, #mma>) -> tensor<32x32xbf16, #mma> {
    %e = math.exp %x : tensor<32x32xf32, #mma>
    %t = arith.truncf %e : tensor<32x32xf32, #mma> to tensor<32x32xbf16, #mma>
    return %t : tensor<32x32xbf16, #mma>
  }

  // bf16 transcendentals compute in f32.
  // CHECK-LABEL: llvm.func @bf16_math(
  // CHECK: %[[W:.*]] = llvm.fpext %arg0 : bf16 to f32
  // CHECK-NEXT: %[[E:.*]] = llvm.intr.exp2(%[[W]]) : (f32) -> f32
  // CHECK-NEXT: llvm.fptrunc %[[E]] : f32 to bf16
  // CHECK: llvm.call_intrinsic "llvm.nvvm.rsqrt.approx.f"
  // CHECK: llvm.return
  // PTX-LABEL: bf16_math(
  // PTX: ex2.approx.f32
  // PTX: rsqrt.approx.f32
  func.func @bf16_math(%x: tensor<512xbf16, #b4>) -> tensor<512xbf16, #b4> {
    %e = math.exp2 %x : tensor<512xbf16, #b4>
    %r = math.rsqrt %e : tensor<512xbf16, #b4>
    return %r : tensor<512xbf16, #b4>
  }
}

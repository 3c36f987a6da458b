// C = A @ B with K walked by an scf.for carrying the accumulator tile: FMA-based dot.
// RUN: lacc %s --emit=llvm-dialect | FileCheck %s --check-prefix=LLVM
// RUN: lacc %s --emit=ptx --arch=sm_90a | FileCheck %s
// RUN: lacc %s --emit=ptx --arch=sm_90a -o %t.ptx && %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: lacc %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 %t80.ptx -o %t80.cubin
// RUN: lacc %s --emit=metadata | FileCheck %s --check-prefix=META
// REQUIRES: ptxas

// LLVM: llvm.func @matmul
// LLVM-DAG: llvm.intr.fma
// LLVM-DAG: nvvm.barrier0
// CHECK: .entry matmul(
// CHECK-DAG: fma.rn.f32
// CHECK-DAG: bar.sync
// META: "name": "matmul"
// META-NEXT: "num_warps": 4
// META-NEXT: "shared_bytes": {{[1-9][0-9]*}}

// A is 32xK row-major (lda = K), B is Kx32 row-major (ldb = 32), C is 32x32.
func.func @matmul(%a: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                  %b: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                  %c: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                  %k: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %zero = arith.constant dense<0.0> : tensor<32x32xf32>
  %r32 = tile.make_range 0, 32 : tensor<32xi32>
  %r16 = tile.make_range 0, 16 : tensor<16xi32>
  // A offsets: row * K + kk
  %ar = tile.expand_dims %r32 {axis = 1 : i32} : tensor<32xi32> -> tensor<32x1xi32>
  %ks = tile.splat %k : tensor<32x1xi32>
  %arow = arith.muli %ar, %ks : tensor<32x1xi32>
  %arowb = tile.broadcast %arow : tensor<32x1xi32> -> tensor<32x16xi32>
  %ac = tile.expand_dims %r16 {axis = 0 : i32} : tensor<16xi32> -> tensor<1x16xi32>
  %acb = tile.broadcast %ac : tensor<1x16xi32> -> tensor<32x16xi32>
  %aoff = arith.addi %arowb, %acb : tensor<32x16xi32>
  // B offsets: kk * 32 + col
  %br = tile.expand_dims %r16 {axis = 1 : i32} : tensor<16xi32> -> tensor<16x1xi32>
  %c32 = arith.constant dense<32> : tensor<16x1xi32>
  %brow = arith.muli %br, %c32 : tensor<16x1xi32>
  %browb = tile.broadcast %brow : tensor<16x1xi32> -> tensor<16x32xi32>
  %bc = tile.expand_dims %r32 {axis = 0 : i32} : tensor<32xi32> -> tensor<1x32xi32>
  %bcb = tile.broadcast %bc : tensor<1x32xi32> -> tensor<16x32xi32>
  %boff = arith.addi %browb, %bcb : tensor<16x32xi32>
  %as = tile.splat %a : tensor<32x16x!tile.ptr<f32>>
  %ap0 = tile.addptr %as, %aoff : tensor<32x16x!tile.ptr<f32>>, tensor<32x16xi32>
  %bs = tile.splat %b : tensor<16x32x!tile.ptr<f32>>
  %bp0 = tile.addptr %bs, %boff : tensor<16x32x!tile.ptr<f32>>, tensor<16x32xi32>
  %c0 = arith.constant 0 : i32
  %step = arith.constant 16 : i32
  %c512 = arith.constant 512 : i32
  %acc, %ap, %bp = scf.for %kk = %c0 to %k step %step iter_args(%acc0 = %zero, %ap1 = %ap0, %bp1 = %bp0)
      -> (tensor<32x32xf32>, tensor<32x16x!tile.ptr<f32>>, tensor<16x32x!tile.ptr<f32>>) : i32 {
    %av = tile.load %ap1 : tensor<32x16x!tile.ptr<f32>>
    %bv = tile.load %bp1 : tensor<16x32x!tile.ptr<f32>>
    %d = tile.dot %av, %bv, %acc0 : tensor<32x16xf32>, tensor<16x32xf32> -> tensor<32x32xf32>
    %st = tile.splat %step : tensor<32x16xi32>
    %ap2 = tile.addptr %ap1, %st : tensor<32x16x!tile.ptr<f32>>, tensor<32x16xi32>
    %sb = tile.splat %c512 : tensor<16x32xi32>
    %bp2 = tile.addptr %bp1, %sb : tensor<16x32x!tile.ptr<f32>>, tensor<16x32xi32>
    scf.yield %d, %ap2, %bp2 : tensor<32x32xf32>, tensor<32x16x!tile.ptr<f32>>, tensor<16x32x!tile.ptr<f32>>
  }
  %cr = tile.expand_dims %r32 {axis = 1 : i32} : tensor<32xi32> -> tensor<32x1xi32>
  %c32b = arith.constant dense<32> : tensor<32x1xi32>
  %crow = arith.muli %cr, %c32b : tensor<32x1xi32>
  %crowb = tile.broadcast %crow : tensor<32x1xi32> -> tensor<32x32xi32>
  %cc = tile.expand_dims %r32 {axis = 0 : i32} : tensor<32xi32> -> tensor<1x32xi32>
  %ccb = tile.broadcast %cc : tensor<1x32xi32> -> tensor<32x32xi32>
  %coff = arith.addi %crowb, %ccb : tensor<32x32xi32>
  %cs = tile.splat %c : tensor<32x32x!tile.ptr<f32>>
  %cp = tile.addptr %cs, %coff : tensor<32x32x!tile.ptr<f32>>, tensor<32x32xi32>
  tile.store %cp, %acc : tensor<32x32x!tile.ptr<f32>>
  return
}

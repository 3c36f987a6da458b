// Reductions and scans across lanes (shfl.sync) and warps (shared memory).
// RUN: lacc %s --emit=llvm-dialect | FileCheck %s --check-prefix=LLVM
// RUN: lacc %s --emit=ptx --arch=sm_90a | FileCheck %s
// RUN: lacc %s --emit=ptx --arch=sm_90a -o %t.ptx && %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: lacc %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 %t80.ptx -o %t80.cubin
// REQUIRES: ptxas

// LLVM-LABEL: llvm.func @sum_all
// LLVM: nvvm.shfl.sync bfly
// LLVM: llvm.store {{.*}} !llvm.ptr<3>
// LLVM: nvvm.barrier0
// LLVM-LABEL: llvm.func @cumsum
// LLVM: nvvm.shfl.sync up
// LLVM: nvvm.shfl.sync idx
// CHECK-LABEL: .entry sum_all(
// CHECK: shfl.sync.bfly.b32
// CHECK: bar.sync
// CHECK: atom.acq_rel.gpu.global.add.f32
// CHECK-LABEL: .entry cumsum(
// CHECK: shfl.sync.up.b32

// The sum of 1024 floats: each of 4 warps reduces its part with shuffles, then the
// warps' partials meet in shared memory; one thread adds the total to *out.
func.func @sum_all(%in: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                   %out: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 1024 : tensor<1024xi32>
  %s = tile.splat %in : tensor<1024x!tile.ptr<f32>>
  %p = tile.addptr %s, %r : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  %x = tile.load %p : tensor<1024x!tile.ptr<f32>>
  %t = tile.reduce sum %x {axis = 0 : i32} : tensor<1024xf32> -> f32
  %old = tile.atomic_rmw add %out, %t : !tile.ptr<f32>
  return
}

// Inclusive prefix sums of 512 i32 (across lanes, warps and repetitions) and per-row
// cumulative maxima of a 16x64 f32 tile.
func.func @cumsum(%in: !tile.ptr<i32> {tile.divisibility = 16 : i32},
                  %out: !tile.ptr<i32> {tile.divisibility = 16 : i32},
                  %fin: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %r = tile.make_range 0, 512 : tensor<512xi32>
  %s = tile.splat %in : tensor<512x!tile.ptr<i32>>
  %p = tile.addptr %s, %r : tensor<512x!tile.ptr<i32>>, tensor<512xi32>
  %x = tile.load %p : tensor<512x!tile.ptr<i32>>
  %c = tile.scan sum %x {axis = 0 : i32} : tensor<512xi32>
  %os = tile.splat %out : tensor<512x!tile.ptr<i32>>
  %op = tile.addptr %os, %r : tensor<512x!tile.ptr<i32>>, tensor<512xi32>
  tile.store %op, %c : tensor<512x!tile.ptr<i32>>
  %r64 = tile.make_range 0, 64 : tensor<64xi32>
  %r16 = tile.make_range 0, 16 : tensor<16xi32>
  %re = tile.expand_dims %r16 {axis = 1 : i32} : tensor<16xi32> -> tensor<16x1xi32>
  %c64 = arith.constant dense<64> : tensor<16x1xi32>
  %rm = arith.muli %re, %c64 : tensor<16x1xi32>
  %rb = tile.broadcast %rm : tensor<16x1xi32> -> tensor<16x64xi32>
  %ce = tile.expand_dims %r64 {axis = 0 : i32} : tensor<64xi32> -> tensor<1x64xi32>
  %cb = tile.broadcast %ce : tensor<1x64xi32> -> tensor<16x64xi32>
  %off = arith.addi %rb, %cb : tensor<16x64xi32>
  %fs = tile.splat %fin : tensor<16x64x!tile.ptr<f32>>
  %fp = tile.addptr %fs, %off : tensor<16x64x!tile.ptr<f32>>, tensor<16x64xi32>
  %f = tile.load %fp : tensor<16x64x!tile.ptr<f32>>
  %m = tile.scan max %f {axis = 1 : i32} : tensor<16x64xf32>
  tile.store %fp, %m : tensor<16x64x!tile.ptr<f32>>
  return
}

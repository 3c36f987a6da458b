// tile.barrier is bar.sync 0 (and clears the barrier analysis' pending accesses: no second
// barrier is placed after it); tile.assert calls CUDA's __assertfail with the message, the
// op's file and line and the kernel's name where any of the thread's elements is false.
// RUN: lacc %s --emit=tilegpu | FileCheck %s --check-prefix=GPU
// RUN: lacc %s --emit=llvm-dialect | FileCheck %s --check-prefix=LLVM
// RUN: lacc %s --emit=ptx --arch=sm_90a | FileCheck %s
// RUN: lacc %s --emit=ptx --arch=sm_90a -o %t.ptx && %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: lacc %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 %t80.ptx -o %t80.cubin
// REQUIRES: ptxas

// A reduction (which uses shared memory) after the user's barrier: the analysis sees the
// user's barrier and adds none of its own between them.
// GPU-LABEL: func.func @barrier
// GPU: tile.barrier
// GPU-NOT: tilegpu.barrier
// GPU: tile.reduce
// CHECK-LABEL: .entry barrier(
// CHECK: st.global
// CHECK: bar.sync 0
// CHECK: ld.global
func.func @barrier(%p: !tile.ptr<f32>, %out: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %ps = tile.splat %p : tensor<256x!tile.ptr<f32>>
  %pp = tile.addptr %ps, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %v = tile.load %pp : tensor<256x!tile.ptr<f32>>
  %s0 = tile.reduce sum %v {axis = 0 : i32} : tensor<256xf32> -> f32
  tile.store %out, %s0 : !tile.ptr<f32>
  tile.barrier
  %w = tile.load %pp : tensor<256x!tile.ptr<f32>>
  %s1 = tile.reduce sum %w {axis = 0 : i32} : tensor<256xf32> -> f32
  tile.store %out, %s1 : !tile.ptr<f32>
  return
}

// LLVM-DAG: llvm.mlir.global internal constant @assert_text_{{[0-9]+}}("negative input\00") {addr_space = 1 : i32
// LLVM-DAG: llvm.mlir.global internal constant @assert_text_{{[0-9]+}}("checks.tile\00") {addr_space = 1 : i32
// LLVM-DAG: llvm.mlir.global internal constant @assert_text_{{[0-9]+}}("check\00") {addr_space = 1 : i32
// LLVM-DAG: llvm.func @__assertfail(!llvm.ptr, !llvm.ptr, i32, !llvm.ptr, i64)
// LLVM-LABEL: llvm.func @check
// LLVM: %[[LINE:.*]] = llvm.mlir.constant(12 : i32) : i32
// LLVM: llvm.cond_br
// LLVM: llvm.call @__assertfail({{.*}}, {{.*}}, %[[LINE]], {{.*}}, {{.*}})
// CHECK-LABEL: .entry check(
// CHECK: call.uni __assertfail
func.func @check(%p: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %ps = tile.splat %p : tensor<128x!tile.ptr<f32>>
  %pp = tile.addptr %ps, %r : tensor<128x!tile.ptr<f32>>, tensor<128xi32>
  %v = tile.load %pp : tensor<128x!tile.ptr<f32>>
  %zero = arith.constant dense<0.0> : tensor<128xf32>
  %ok = arith.cmpf oge, %v, %zero : tensor<128xf32>
  tile.assert %ok, "negative input" : tensor<128xi1> loc("checks.tile":12:5)
  return
}

// scf.if and scf.while with tile-valued results, trans through shared memory, masked
// loads with `other`, atomics on a tile and a bf16 copy with 16-byte accesses.
// RUN: lacc %s --emit=ptx --arch=sm_90a | FileCheck %s
// RUN: lacc %s --emit=ptx --arch=sm_90a -o %t.ptx && %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: lacc %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 %t80.ptx -o %t80.cubin
// REQUIRES: ptxas

// CHECK-LABEL: .entry branches(
// CHECK-LABEL: .entry transpose(
// CHECK: st.shared
// CHECK: bar.sync
// CHECK: ld.shared
// CHECK-LABEL: .entry histogram(
// CHECK: atom.acq_rel.gpu.global.add.u32
// CHECK-LABEL: .entry copy_bf16(
// CHECK: ld.global.v4.b32
// CHECK: st.global.v4.b32

func.func @branches(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %n: i32, %flag: i1) attributes {tile.kernel} {
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %ns = tile.splat %n : tensor<256xi32>
  %mask = arith.cmpi slt, %r, %ns : tensor<256xi32>
  %ps = tile.splat %p : tensor<256x!tile.ptr<f32>>
  %pp = tile.addptr %ps, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %neg = arith.constant dense<-1.0> : tensor<256xf32>
  %x = tile.load %pp, %mask, %neg : tensor<256x!tile.ptr<f32>>
  %y = scf.if %flag -> tensor<256xf32> {
    %e = math.exp2 %x : tensor<256xf32>
    scf.yield %e : tensor<256xf32>
  } else {
    %l = math.sqrt %x : tensor<256xf32>
    scf.yield %l : tensor<256xf32>
  }
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %z:2 = scf.while (%i = %c0, %v = %y) : (i32, tensor<256xf32>) -> (i32, tensor<256xf32>) {
    %go = arith.cmpi slt, %i, %n : i32
    scf.condition(%go) %i, %v : i32, tensor<256xf32>
  } do {
  ^bb0(%i: i32, %v: tensor<256xf32>):
    %h = arith.constant dense<0.5> : tensor<256xf32>
    %w = arith.mulf %v, %h : tensor<256xf32>
    %t = math.tanh %w : tensor<256xf32>
    %j = arith.addi %i, %c1 : i32
    scf.yield %j, %t : i32, tensor<256xf32>
  }
  tile.store %pp, %z#1, %mask : tensor<256x!tile.ptr<f32>>
  return
}

func.func @transpose(%in: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                     %out: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %r = tile.make_range 0, 32 : tensor<32xi32>
  %re = tile.expand_dims %r {axis = 1 : i32} : tensor<32xi32> -> tensor<32x1xi32>
  %c32 = arith.constant dense<32> : tensor<32x1xi32>
  %rm = arith.muli %re, %c32 : tensor<32x1xi32>
  %rb = tile.broadcast %rm : tensor<32x1xi32> -> tensor<32x32xi32>
  %ce = tile.expand_dims %r {axis = 0 : i32} : tensor<32xi32> -> tensor<1x32xi32>
  %cb = tile.broadcast %ce : tensor<1x32xi32> -> tensor<32x32xi32>
  %off = arith.addi %rb, %cb : tensor<32x32xi32>
  %is = tile.splat %in : tensor<32x32x!tile.ptr<f32>>
  %ip = tile.addptr %is, %off : tensor<32x32x!tile.ptr<f32>>, tensor<32x32xi32>
  %x = tile.load %ip : tensor<32x32x!tile.ptr<f32>>
  %t = tile.trans %x {order = array<i32: 1, 0>} : tensor<32x32xf32> -> tensor<32x32xf32>
  %os = tile.splat %out : tensor<32x32x!tile.ptr<f32>>
  %op = tile.addptr %os, %off : tensor<32x32x!tile.ptr<f32>>, tensor<32x32xi32>
  tile.store %op, %t : tensor<32x32x!tile.ptr<f32>>
  return
}

func.func @histogram(%bins: !tile.ptr<i32>, %keys: !tile.ptr<i32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %ks = tile.splat %keys : tensor<128x!tile.ptr<i32>>
  %kp = tile.addptr %ks, %r : tensor<128x!tile.ptr<i32>>, tensor<128xi32>
  %k = tile.load %kp : tensor<128x!tile.ptr<i32>>
  %bs = tile.splat %bins : tensor<128x!tile.ptr<i32>>
  %bp = tile.addptr %bs, %k : tensor<128x!tile.ptr<i32>>, tensor<128xi32>
  %one = arith.constant dense<1> : tensor<128xi32>
  %old = tile.atomic_rmw add %bp, %one : tensor<128x!tile.ptr<i32>>
  return
}

func.func @copy_bf16(%in: !tile.ptr<bf16> {tile.divisibility = 16 : i32},
                     %out: !tile.ptr<bf16> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %r = tile.make_range 0, 1024 : tensor<1024xi32>
  %is = tile.splat %in : tensor<1024x!tile.ptr<bf16>>
  %ip = tile.addptr %is, %r : tensor<1024x!tile.ptr<bf16>>, tensor<1024xi32>
  %x = tile.load %ip : tensor<1024x!tile.ptr<bf16>>
  %os = tile.splat %out : tensor<1024x!tile.ptr<bf16>>
  %op = tile.addptr %os, %r : tensor<1024x!tile.ptr<bf16>>, tensor<1024xi32>
  tile.store %op, %x : tensor<1024x!tile.ptr<bf16>>
  return
}

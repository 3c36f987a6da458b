// Vector add end to end: 16-byte loads and stores where the pointers allow it.
// RUN: lacc %s --emit=ptx --arch=sm_90a | FileCheck %s
// RUN: lacc %s --emit=ptx --arch=sm_90a -o %t.ptx && %ptxas -arch=sm_90a %t.ptx -o %t.sm90.cubin
// RUN: lacc %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 %t80.ptx -o %t.sm80.cubin
// RUN: lacc %s --emit=metadata | FileCheck %s --check-prefix=META
// REQUIRES: ptxas

// CHECK: .target sm_90a
// CHECK: .entry vadd(
// CHECK: .maxntid 128, 1, 1
// CHECK-DAG: ld.global.v4.b32
// CHECK-DAG: st.global.v4.b32
// CHECK-NOT: ld.global.f32
// META: "name": "vadd"
// META-NEXT: "num_warps": 4
// META-NEXT: "shared_bytes": 0
// META-NEXT: "params": [
// META-NEXT: "!tile.ptr<f32>",
// META-NEXT: "!tile.ptr<f32>",
// META-NEXT: "!tile.ptr<f32>",
// META-NEXT: "i32"
// META-NEXT: ]

func.func @vadd(%x: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                %y: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                %out: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                %n: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %pid = tile.program_id 0 : i32
  %c1024 = arith.constant 1024 : i32
  %start = arith.muli %pid, %c1024 : i32
  %range = tile.make_range 0, 1024 : tensor<1024xi32>
  %sv = tile.splat %start : tensor<1024xi32>
  %offs = arith.addi %sv, %range : tensor<1024xi32>
  %nv = tile.splat %n : tensor<1024xi32>
  %mask = arith.cmpi slt, %offs, %nv : tensor<1024xi32>
  %xs = tile.splat %x : tensor<1024x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %offs : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  %ys = tile.splat %y : tensor<1024x!tile.ptr<f32>>
  %yp = tile.addptr %ys, %offs : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  %xv = tile.load %xp, %mask : tensor<1024x!tile.ptr<f32>>
  %yv = tile.load %yp, %mask : tensor<1024x!tile.ptr<f32>>
  %sum = arith.addf %xv, %yv : tensor<1024xf32>
  %os = tile.splat %out : tensor<1024x!tile.ptr<f32>>
  %op = tile.addptr %os, %offs : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  tile.store %op, %sum, %mask : tensor<1024x!tile.ptr<f32>>
  return
}

// Row-wise softmax of an 8x128 f32 tile: reductions along the rows use warp shuffles, the
// row maxima and sums come back through expand_dims + broadcast.
// RUN: lacc %s --emit=ptx --arch=sm_90a | FileCheck %s
// RUN: lacc %s --emit=ptx --arch=sm_90a -o %t.ptx && %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: lacc %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 %t80.ptx -o %t80.cubin
// REQUIRES: ptxas

// CHECK: .entry softmax(
// CHECK: ld.global.v4.b32
// CHECK: shfl.sync.bfly.b32
// CHECK: ex2.approx
// CHECK: st.global.v4.b32

func.func @softmax(%in: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                   %out: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %pid = tile.program_id 0 : i32
  %c1024 = arith.constant 1024 : i32
  %base = arith.muli %pid, %c1024 : i32
  %rows = tile.make_range 0, 8 : tensor<8xi32>
  %cols = tile.make_range 0, 128 : tensor<128xi32>
  %r2 = tile.expand_dims %rows {axis = 1 : i32} : tensor<8xi32> -> tensor<8x1xi32>
  %c128 = arith.constant dense<128> : tensor<8x1xi32>
  %rowoff = arith.muli %r2, %c128 : tensor<8x1xi32>
  %rowb = tile.broadcast %rowoff : tensor<8x1xi32> -> tensor<8x128xi32>
  %c2 = tile.expand_dims %cols {axis = 0 : i32} : tensor<128xi32> -> tensor<1x128xi32>
  %colb = tile.broadcast %c2 : tensor<1x128xi32> -> tensor<8x128xi32>
  %off0 = arith.addi %rowb, %colb : tensor<8x128xi32>
  %bs = tile.splat %base : tensor<8x128xi32>
  %off = arith.addi %off0, %bs : tensor<8x128xi32>
  %ins = tile.splat %in : tensor<8x128x!tile.ptr<f32>>
  %inp = tile.addptr %ins, %off : tensor<8x128x!tile.ptr<f32>>, tensor<8x128xi32>
  %x = tile.load %inp : tensor<8x128x!tile.ptr<f32>>
  %m = tile.reduce max %x {axis = 1 : i32} : tensor<8x128xf32> -> tensor<8xf32>
  %m2 = tile.expand_dims %m {axis = 1 : i32} : tensor<8xf32> -> tensor<8x1xf32>
  %mb = tile.broadcast %m2 : tensor<8x1xf32> -> tensor<8x128xf32>
  %d = arith.subf %x, %mb : tensor<8x128xf32>
  %e = math.exp %d : tensor<8x128xf32>
  %s = tile.reduce sum %e {axis = 1 : i32} : tensor<8x128xf32> -> tensor<8xf32>
  %s2 = tile.expand_dims %s {axis = 1 : i32} : tensor<8xf32> -> tensor<8x1xf32>
  %sb = tile.broadcast %s2 : tensor<8x1xf32> -> tensor<8x128xf32>
  %y = arith.divf %e, %sb : tensor<8x128xf32>
  %outs = tile.splat %out : tensor<8x128x!tile.ptr<f32>>
  %outp = tile.addptr %outs, %off : tensor<8x128x!tile.ptr<f32>>, tensor<8x128xi32>
  tile.store %outp, %y : tensor<8x128x!tile.ptr<f32>>
  return
}

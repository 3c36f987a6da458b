// A kernel whose layout conversion needs more shared memory than the target has is an
// error at that op, not a crash.
// RUN: not lacc %s --emit=llvm --shared-limit=4096 2>&1 | FileCheck %s

func.func @big(%in: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %r = tile.make_range 0, 64 : tensor<64xi32>
  %re = tile.expand_dims %r {axis = 1 : i32} : tensor<64xi32> -> tensor<64x1xi32>
  %c64 = arith.constant dense<64> : tensor<64x1xi32>
  %rm = arith.muli %re, %c64 : tensor<64x1xi32>
  %rb = tile.broadcast %rm : tensor<64x1xi32> -> tensor<64x64xi32>
  %ce = tile.expand_dims %r {axis = 0 : i32} : tensor<64xi32> -> tensor<1x64xi32>
  %cb = tile.broadcast %ce : tensor<1x64xi32> -> tensor<64x64xi32>
  %off = arith.addi %rb, %cb : tensor<64x64xi32>
  %is = tile.splat %in : tensor<64x64x!tile.ptr<f32>>
  %ip = tile.addptr %is, %off : tensor<64x64x!tile.ptr<f32>>, tensor<64x64xi32>
  %x = tile.load %ip : tensor<64x64x!tile.ptr<f32>>
  %t = tile.trans %x {order = array<i32: 1, 0>} : tensor<64x64xf32> -> tensor<64x64xf32>
  // The transposed tile must reach the threads that store it coalesced.
  // CHECK: shared-limit.mlir:[[@LINE+1]]:3: error: shared memory exhausted: moving a tile between threads here needs 16384 bytes at offset 0, past the limit of 4096 bytes per CTA
  tile.store %ip, %t : tensor<64x64x!tile.ptr<f32>>
  return
}

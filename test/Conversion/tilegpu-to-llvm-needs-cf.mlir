// convert-tilegpu-to-llvm creates cf.cond_br / cf.br for predicated accesses (LoadStoreOpToLLVM's
// scf.if, lowered by lowerPredicationIfs), so it declares the cf dialect: run alone (lacc-opt, or
// any pass manager that has not loaded cf for another pass) it must not fail with "'cf.cond_br'
// op created with unregistered dialect".
//
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | FileCheck %s
// CHECK: cf.cond_br
// CHECK: llvm.store

#b = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @masked_store(%p: !tile.ptr<f32>, %m: tensor<128xi1, #b>, %x: tensor<128xf32, #b>) {
    %r = tile.make_range 0, 128 : tensor<128xi32, #b>
    %s = tile.splat %p : tensor<128x!tile.ptr<f32>, #b>
    %a = tile.addptr %s, %r : tensor<128x!tile.ptr<f32>, #b>, tensor<128xi32, #b>
    tile.store %a, %x, %m : tensor<128x!tile.ptr<f32>, #b>
    return
  }
}

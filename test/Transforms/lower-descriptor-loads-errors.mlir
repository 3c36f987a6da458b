// RUN: not lacc-opt %s --tilegpu-lower-descriptor-loads 2>&1 | FileCheck %s
//
// On sm_80 (no TMA) tile-rewrite-block-pointers rewrites every descriptor load: one that
// reaches tilegpu-lower-descriptor-loads is the compiler's bug, and the error says so.

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#target = #tilegpu.target<arch = "sm_80", ptxVersion = 80, sharedMemory = 166912, numSMs = 0>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @no_tma(%p: !tile.ptr<f32>, %m: i32) -> tensor<32x64xf32, #blocked> attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %one = arith.constant 1 : i32
    %d = tile.make_tensor_desc %p, [%m, %m], [%m, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<32x64xf32>>
    // CHECK: error: internal compiler error: a tensor descriptor load reached the TMA lowering on a target without TMA (sm_80)
    %t = tile.descriptor_load %d[%c0, %c0] : !tile.tensor_desc<tensor<32x64xf32>> -> tensor<32x64xf32, #blocked>
    return %t : tensor<32x64xf32, #blocked>
  }
}

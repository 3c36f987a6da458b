// RUN: lacc-opt %s --tilegpu-accelerate-matmul | FileCheck %s
//
// A chain of dots with more warps than 16-row tiles (64 rows, 8 warps): 4 warps along M, the
// other 2 along N, instead of 8 along M where half would hold replicas of the others' rows. P
// then reaches the second dot's A operand through a layout conversion (whole rows per warp
// are no longer in one warp's registers).
// CHECK: #[[MMA42:mma[0-9]*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 2], instrShape = [16, 8]}>
// CHECK-LABEL: func.func @chained
// CHECK: tile.dot {{.*}} -> tensor<64x64xf32, #[[MMA42]]>
// CHECK: tilegpu.convert_layout %{{.*}} : tensor<64x64xbf16, #{{.*}}> -> tensor<64x64xbf16, #{{.*}}>
// CHECK: tile.dot {{.*}} -> tensor<64x64xf32, #[[MMA42]]>

#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [4, 2], order = [1, 0]}>
#dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #blocked1}>
#dot_op1 = #tilegpu.dot_op<{opIdx = 1, parent = #blocked1}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
module attributes {tilegpu.num_warps = 8 : i32, tilegpu.target = #target} {
  func.func @chained(%arg0: tensor<64x64x!tile.ptr<bf16>, #blocked1>, %arg1: tensor<64x64x!tile.ptr<bf16>, #blocked1>, %arg2: tensor<64x64x!tile.ptr<bf16>, #blocked1>, %arg3: tensor<64x64x!tile.ptr<f32>, #blocked1>) attributes {tile.kernel} {
    %0 = tile.load %arg0 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %1 = tile.load %arg1 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %2 = tile.load %arg2 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %cst = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #blocked1>
    %3 = tilegpu.convert_layout %0 : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op>
    %4 = tilegpu.convert_layout %1 : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op1>
    %5 = tile.dot %3, %4, %cst : tensor<64x64xbf16, #dot_op>, tensor<64x64xbf16, #dot_op1> -> tensor<64x64xf32, #blocked1>
    %6 = math.exp %5 : tensor<64x64xf32, #blocked1>
    %7 = arith.truncf %6 : tensor<64x64xf32, #blocked1> to tensor<64x64xbf16, #blocked1>
    %8 = tilegpu.convert_layout %7 : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op>
    %9 = tilegpu.convert_layout %2 : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op1>
    %10 = tile.dot %8, %9, %cst : tensor<64x64xbf16, #dot_op>, tensor<64x64xbf16, #dot_op1> -> tensor<64x64xf32, #blocked1>
    tile.store %arg3, %10 : tensor<64x64x!tile.ptr<f32>, #blocked1>
    return
  }
}

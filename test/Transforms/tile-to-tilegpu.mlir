// RUN: lacc-opt %s --tile-to-tilegpu="num-warps=4" | FileCheck %s
// RUN: lacc-opt %s --tile-to-tilegpu="num-warps=8" | FileCheck %s --check-prefix=W8

// CHECK-DAG: #[[B1:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[B2:.*]] = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [1, 4], order = [1, 0]}>
// CHECK-DAG: #[[S0:.*]] = #tilegpu.slice<{dim = 0, parent = #[[B2]]}>
// CHECK-DAG: #target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
// CHECK: module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target}
// W8: #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [8], order = [0]}>

// CHECK-LABEL: func.func @rows
func.func @rows(%p: !tile.ptr<f32>) attributes {tile.kernel} {
  // CHECK: tile.make_range 0, 128 : tensor<128xi32, #[[B1]]>
  %r = tile.make_range 0, 128 : tensor<128xi32>
  // The source of expand_dims must be the slice of the result layout.
  // CHECK: %[[S:.*]] = tilegpu.convert_layout %{{.*}} : tensor<128xi32, #[[B1]]> -> tensor<128xi32, #[[S0]]>
  // CHECK: tile.expand_dims %[[S]] {axis = 0 : i32} : tensor<128xi32, #[[S0]]> -> tensor<1x128xi32, #[[B2]]>
  %e = tile.expand_dims %r {axis = 0 : i32} : tensor<128xi32> -> tensor<1x128xi32>
  %b = tile.broadcast %e : tensor<1x128xi32> -> tensor<4x128xi32>
  %f = arith.sitofp %b : tensor<4x128xi32> to tensor<4x128xf32>
  // A reduction yields the slice of its source layout.
  // CHECK: tile.reduce sum %{{.*}} {axis = 1 : i32} : tensor<4x128xf32, #[[P:.*]]> -> tensor<4xf32, #[[R:slice[0-9]*]]>
  %s = tile.reduce sum %f {axis = 1 : i32} : tensor<4x128xf32> -> tensor<4xf32>
  %t = tile.reduce max %s {axis = 0 : i32} : tensor<4xf32> -> f32
  tile.store %p, %t : !tile.ptr<f32>
  return
}

// CHECK-LABEL: func.func @dot
// CHECK: tilegpu.convert_layout %{{.*}} -> tensor<16x8xf32, #dot_op>
// CHECK: tilegpu.convert_layout %{{.*}} -> tensor<8x16xf32, #dot_op1>
// CHECK: tile.dot
func.func @dot(%a: tensor<16x8xf32>, %b: tensor<8x16xf32>, %c: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %d = tile.dot %a, %b, %c : tensor<16x8xf32>, tensor<8x16xf32> -> tensor<16x16xf32>
  return %d : tensor<16x16xf32>
}

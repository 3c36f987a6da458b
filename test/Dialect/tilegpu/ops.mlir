// RUN: lacc-opt %s | lacc-opt | FileCheck %s

// CHECK-DAG: #dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #blocked}>
// CHECK-DAG: #shared = #tilegpu.shared<{vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]}>

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>
#row = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#shared = #tilegpu.shared<{vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]}>

// CHECK-LABEL: func.func @layouts
// CHECK: tilegpu.convert_layout %{{.*}} : tensor<32x32xf32, #blocked> -> tensor<32x32xf32, #dot_op>
// CHECK: tilegpu.local_alloc %{{.*}} : tensor<32x32xf32, #blocked> -> !tilegpu.memdesc<32x32xf32, #shared>
// CHECK: tilegpu.local_store
// CHECK: tilegpu.barrier
// CHECK: tilegpu.local_load
func.func @layouts(%x: tensor<32x32xf32, #blocked>, %r: tensor<32xf32, #tilegpu.slice<{dim = 1, parent = #blocked}>>) -> tensor<32x32xf32, #blocked> {
  %a = tilegpu.convert_layout %x : tensor<32x32xf32, #blocked> -> tensor<32x32xf32, #tilegpu.dot_op<{opIdx = 0, parent = #blocked}>>
  %m = tilegpu.local_alloc %x : tensor<32x32xf32, #blocked> -> !tilegpu.memdesc<32x32xf32, #shared>
  %e = tilegpu.local_alloc -> !tilegpu.memdesc<32x32xf32, #shared>
  tilegpu.local_store %x, %e : tensor<32x32xf32, #blocked> -> !tilegpu.memdesc<32x32xf32, #shared>
  tilegpu.barrier
  %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #shared> -> tensor<32x32xf32, #blocked>
  return %y : tensor<32x32xf32, #blocked>
}

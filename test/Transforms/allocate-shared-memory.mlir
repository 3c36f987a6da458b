// RUN: lacc-opt %s --tilegpu-allocate-shared-memory | FileCheck %s
// RUN: not lacc-opt %s --tilegpu-allocate-shared-memory="limit=6144" 2>&1 | FileCheck %s --check-prefix=LIMIT

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [4, 1], order = [1, 0]}>
#c = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [1, 4], order = [0, 1]}>
#s = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]}>

// Two conversions at different times share bytes; the explicit buffer, live across
// both, gets its own.
// CHECK: module attributes {tilegpu.num_warps = 4 : i32, tilegpu.shared = 8192 : i32}
// CHECK-LABEL: func.func @k
// CHECK-SAME: tilegpu.shared = 8192
// CHECK: tilegpu.local_alloc {{.*}}tilegpu.shared_offset = 0
// CHECK: tilegpu.convert_layout {{.*}}tilegpu.shared_offset = 4096
// CHECK: tilegpu.convert_layout {{.*}}tilegpu.shared_offset = 4096
// LIMIT: error: shared memory exhausted: moving a tile between threads here needs 4096 bytes at offset 4096, past the limit of 6144 bytes per CTA
module attributes {tilegpu.num_warps = 4 : i32} {
  func.func @k(%x: tensor<32x32xf32, #b>) -> tensor<32x32xf32, #b> {
    %m = tilegpu.local_alloc %x : tensor<32x32xf32, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    %y = tilegpu.convert_layout %x : tensor<32x32xf32, #b> -> tensor<32x32xf32, #c>
    %z = tilegpu.convert_layout %y : tensor<32x32xf32, #c> -> tensor<32x32xf32, #b>
    %w = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    %v = arith.addf %z, %w : tensor<32x32xf32, #b>
    return %v : tensor<32x32xf32, #b>
  }
}

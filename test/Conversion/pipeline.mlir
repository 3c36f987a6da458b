// The whole MLIR pipeline from lacc-opt: tile IR -> LLVM + NVVM dialects.
// RUN: lacc-opt %s --lacc-lower-to-llvm="num-warps=2" | FileCheck %s

// CHECK: llvm.mlir.global external @global_smem() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<0 x i8>
// CHECK: llvm.func @scale(%{{.*}}: !llvm.ptr<1>, %{{.*}}: f32) attributes {nvvm.kernel, nvvm.maxntid = array<i32: 64, 1, 1>
// CHECK: nvvm.read.ptx.sreg.ctaid.x
// CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xf32>
// CHECK: llvm.fmul
// CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<1>
// CHECK-NOT: tile.
// CHECK-NOT: unrealized_conversion_cast
func.func @scale(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %s: f32) attributes {tile.kernel} {
  %pid = tile.program_id 0 : i32
  %c256 = arith.constant 256 : i32
  %b = arith.muli %pid, %c256 : i32
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %bs = tile.splat %b : tensor<256xi32>
  %o = arith.addi %bs, %r : tensor<256xi32>
  %ps = tile.splat %p : tensor<256x!tile.ptr<f32>>
  %pp = tile.addptr %ps, %o : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %x = tile.load %pp : tensor<256x!tile.ptr<f32>>
  %ss = tile.splat %s : tensor<256xf32>
  %y = arith.mulf %x, %ss : tensor<256xf32>
  tile.store %pp, %y : tensor<256x!tile.ptr<f32>>
  return
}

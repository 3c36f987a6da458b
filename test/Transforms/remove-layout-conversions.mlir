// RUN: lacc-opt %s --tilegpu-remove-layout-conversions | FileCheck %s
//
// tilegpu-remove-layout-conversions chooses every tile's layout again, forward from the anchors
// (loads, stores and dots keep theirs), and leaves a convert_layout only where two anchors
// disagree. The input is what layout assignment and coalescing leave: default layouts (#d,
// #d2) everywhere, coalesced layouts (#v4, #row, #col) on memory ops, converts in between.
//   @anchors          the coalesced layout of the load flows through the elementwise op to the
//                     store: no conversion left, the address arithmetic recomputed in it;
//   @layer_norm       the issue's case: an accumulator carried through scf.for iter_args and
//                     fed by a load takes the load's layout (init, iter_arg, body, result), so
//                     the loop body has no conversion and the final reduction runs in it too;
//   @reduce_in_load_layout  a reduction of a loaded tile runs in the load's layout, its result
//                     the slice of it; the only conversion left is the one the function's
//                     declared result type forces;
//   @if_result        scf.if results take their yields' layout (the load's);
//   @free_values      a range/splat/broadcast/addptr tree used by two loads in different layouts
//                     is recomputed once per layout, next to its definition: no conversion;
//   @dot_wins         an elementwise op on a dot's result and a load takes the dot's (mma)
//                     layout; the loaded operand is converted, and the exp after it stays in mma.

// CHECK-DAG: #[[V4:blocked[0-9]*]] = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[ROW:blocked[0-9]*]] = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[COL:blocked[0-9]*]] = #tilegpu.blocked<{sizePerThread = [4, 1], threadsPerWarp = [16, 2], warpsPerCTA = [1, 4], order = [0, 1]}>
// CHECK: #[[SLICE:slice[0-9]*]] = #tilegpu.slice<{dim = 1, parent = #[[ROW]]}>
#d = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#v4 = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#d2 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [4, 1], order = [1, 0]}>
#row = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#col = #tilegpu.blocked<{sizePerThread = [4, 1], threadsPerWarp = [16, 2], warpsPerCTA = [1, 4], order = [0, 1]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8]}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>
module attributes {tilegpu.num_warps = 4 : i32} {
  // CHECK-LABEL: func.func @anchors
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK: tile.make_range 0, 1024 : tensor<1024xi32, #[[V4]]>
  // CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[V4]]>
  // CHECK-NEXT: arith.mulf %{{.*}}, %{{.*}} : tensor<1024xf32, #[[V4]]>
  // CHECK: tile.store %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[V4]]>
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK: return
  func.func @anchors(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %q: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %r = tile.make_range 0, 1024 : tensor<1024xi32, #d>
    %ps = tile.splat %p : tensor<1024x!tile.ptr<f32>, #d>
    %pp = tile.addptr %ps, %r : tensor<1024x!tile.ptr<f32>, #d>, tensor<1024xi32, #d>
    %pc = tilegpu.convert_layout %pp : tensor<1024x!tile.ptr<f32>, #d> -> tensor<1024x!tile.ptr<f32>, #v4>
    %x = tile.load %pc : tensor<1024x!tile.ptr<f32>, #v4>
    %xd = tilegpu.convert_layout %x : tensor<1024xf32, #v4> -> tensor<1024xf32, #d>
    %y = arith.mulf %xd, %xd : tensor<1024xf32, #d>
    %qs = tile.splat %q : tensor<1024x!tile.ptr<f32>, #d>
    %qp = tile.addptr %qs, %r : tensor<1024x!tile.ptr<f32>, #d>, tensor<1024xi32, #d>
    %qc = tilegpu.convert_layout %qp : tensor<1024x!tile.ptr<f32>, #d> -> tensor<1024x!tile.ptr<f32>, #v4>
    %yc = tilegpu.convert_layout %y : tensor<1024xf32, #d> -> tensor<1024xf32, #v4>
    tile.store %qc, %yc : tensor<1024x!tile.ptr<f32>, #v4>
    return
  }
  // CHECK-LABEL: func.func @layer_norm
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<1024xf32, #[[V4]]>
  // CHECK: %[[ACC:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %[[ZERO]]) -> (tensor<1024xf32, #[[V4]]>)
  // CHECK: %[[X:.*]] = tile.load %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[V4]]>
  // CHECK-NEXT: %[[SQ:.*]] = arith.mulf %[[X]], %[[X]] : tensor<1024xf32, #[[V4]]>
  // CHECK-NEXT: %[[A2:.*]] = arith.addf %[[A]], %[[SQ]] : tensor<1024xf32, #[[V4]]>
  // CHECK-NEXT: scf.yield %[[A2]] : tensor<1024xf32, #[[V4]]>
  // CHECK: tile.reduce sum %[[ACC]] {axis = 0 : i32} : tensor<1024xf32, #[[V4]]> -> f32
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK: return
  func.func @layer_norm(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %n: i32 {tile.divisibility = 16 : i32}) -> f32 attributes {tile.kernel} {
    %c0 = arith.constant 0 : i32
    %c1024 = arith.constant 1024 : i32
    %zero = arith.constant dense<0.0> : tensor<1024xf32, #d>
    %r = tile.make_range 0, 1024 : tensor<1024xi32, #d>
    %ps = tile.splat %p : tensor<1024x!tile.ptr<f32>, #d>
    %acc = scf.for %i = %c0 to %n step %c1024 iter_args(%a = %zero) -> (tensor<1024xf32, #d>) : i32 {
      %is = tile.splat %i : tensor<1024xi32, #d>
      %o = arith.addi %is, %r : tensor<1024xi32, #d>
      %pp = tile.addptr %ps, %o : tensor<1024x!tile.ptr<f32>, #d>, tensor<1024xi32, #d>
      %pc = tilegpu.convert_layout %pp : tensor<1024x!tile.ptr<f32>, #d> -> tensor<1024x!tile.ptr<f32>, #v4>
      %x = tile.load %pc : tensor<1024x!tile.ptr<f32>, #v4>
      %xd = tilegpu.convert_layout %x : tensor<1024xf32, #v4> -> tensor<1024xf32, #d>
      %sq = arith.mulf %xd, %xd : tensor<1024xf32, #d>
      %a2 = arith.addf %a, %sq : tensor<1024xf32, #d>
      scf.yield %a2 : tensor<1024xf32, #d>
    }
    %s = tile.reduce sum %acc {axis = 0 : i32} : tensor<1024xf32, #d> -> f32
    return %s : f32
  }
  // CHECK-LABEL: func.func @reduce_in_load_layout
  // CHECK: %[[X:.*]] = tile.load %{{.*}} : tensor<64x64x!tile.ptr<f32>, #[[ROW]]>
  // CHECK-NEXT: %[[M:.*]] = tile.reduce max %[[X]] {axis = 1 : i32} : tensor<64x64xf32, #[[ROW]]> -> tensor<64xf32, #[[SLICE]]>
  // CHECK-NEXT: %[[R:.*]] = tilegpu.convert_layout %[[M]] : tensor<64xf32, #[[SLICE]]>
  // CHECK-NEXT: return %[[R]]
  func.func @reduce_in_load_layout(%p: tensor<64x64x!tile.ptr<f32>, #row>) -> tensor<64xf32, #tilegpu.slice<{dim = 1, parent = #d2}>> {
    %x = tile.load %p : tensor<64x64x!tile.ptr<f32>, #row>
    %xd = tilegpu.convert_layout %x : tensor<64x64xf32, #row> -> tensor<64x64xf32, #d2>
    %m = tile.reduce max %xd {axis = 1 : i32} : tensor<64x64xf32, #d2> -> tensor<64xf32, #tilegpu.slice<{dim = 1, parent = #d2}>>
    return %m : tensor<64xf32, #tilegpu.slice<{dim = 1, parent = #d2}>>
  }
  // CHECK-LABEL: func.func @if_result
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK: %[[X:.*]] = tile.load %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[V4]]>
  // CHECK: %[[Y:.*]] = scf.if %{{.*}} -> (tensor<1024xf32, #[[V4]]>)
  // CHECK: math.exp %[[X]] : tensor<1024xf32, #[[V4]]>
  // CHECK: tile.store %{{.*}}, %[[Y]] : tensor<1024x!tile.ptr<f32>, #[[V4]]>
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK: return
  func.func @if_result(%p: tensor<1024x!tile.ptr<f32>, #v4>, %c: i1) attributes {tile.kernel} {
    %x = tile.load %p : tensor<1024x!tile.ptr<f32>, #v4>
    %xd = tilegpu.convert_layout %x : tensor<1024xf32, #v4> -> tensor<1024xf32, #d>
    %y = scf.if %c -> (tensor<1024xf32, #d>) {
      %e = math.exp %xd : tensor<1024xf32, #d>
      scf.yield %e : tensor<1024xf32, #d>
    } else {
      scf.yield %xd : tensor<1024xf32, #d>
    }
    %yc = tilegpu.convert_layout %y : tensor<1024xf32, #d> -> tensor<1024xf32, #v4>
    tile.store %p, %yc : tensor<1024x!tile.ptr<f32>, #v4>
    return
  }
  // CHECK-LABEL: func.func @free_values
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK-DAG: tile.make_range 0, 64 : tensor<64xi32, #[[SROW:slice[0-9]*]]>
  // CHECK-DAG: tile.make_range 0, 64 : tensor<64xi32, #[[SCOL:slice[0-9]*]]>
  // CHECK-DAG: %[[P1:.*]] = tile.addptr %{{.*}}, %{{.*}} : tensor<64x64x!tile.ptr<f32>, #[[ROW]]>
  // CHECK-DAG: %[[P2:.*]] = tile.addptr %{{.*}}, %{{.*}} : tensor<64x64x!tile.ptr<f32>, #[[COL]]>
  // CHECK-DAG: tile.load %[[P1]] : tensor<64x64x!tile.ptr<f32>, #[[ROW]]>
  // CHECK-DAG: tile.load %[[P2]] : tensor<64x64x!tile.ptr<f32>, #[[COL]]>
  // CHECK-NOT: tilegpu.convert_layout
  // CHECK: return
  func.func @free_values(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32}) -> (tensor<64x64xf32, #row>, tensor<64x64xf32, #col>) {
    %r = tile.make_range 0, 64 : tensor<64xi32, #tilegpu.slice<{dim = 1, parent = #d2}>>
    %re = tile.expand_dims %r {axis = 1 : i32} : tensor<64xi32, #tilegpu.slice<{dim = 1, parent = #d2}>> -> tensor<64x1xi32, #d2>
    %rb = tile.broadcast %re : tensor<64x1xi32, #d2> -> tensor<64x64xi32, #d2>
    %ps = tile.splat %p : tensor<64x64x!tile.ptr<f32>, #d2>
    %pp = tile.addptr %ps, %rb : tensor<64x64x!tile.ptr<f32>, #d2>, tensor<64x64xi32, #d2>
    %p1 = tilegpu.convert_layout %pp : tensor<64x64x!tile.ptr<f32>, #d2> -> tensor<64x64x!tile.ptr<f32>, #row>
    %p2 = tilegpu.convert_layout %pp : tensor<64x64x!tile.ptr<f32>, #d2> -> tensor<64x64x!tile.ptr<f32>, #col>
    %x = tile.load %p1 : tensor<64x64x!tile.ptr<f32>, #row>
    %y = tile.load %p2 : tensor<64x64x!tile.ptr<f32>, #col>
    return %x, %y : tensor<64x64xf32, #row>, tensor<64x64xf32, #col>
  }
  // CHECK-LABEL: func.func @dot_wins
  // CHECK: %[[C:.*]] = tile.dot {{.*}} -> tensor<32x32xf32, #mma>
  // CHECK: %[[X:.*]] = tile.load %{{.*}} : tensor<32x32x!tile.ptr<f32>, #[[ROW]]>
  // CHECK-NEXT: %[[XC:.*]] = tilegpu.convert_layout %[[X]] : tensor<32x32xf32, #[[ROW]]> -> tensor<32x32xf32, #mma>
  // CHECK-NEXT: %[[S:.*]] = arith.addf %[[C]], %[[XC]] : tensor<32x32xf32, #mma>
  // CHECK-NEXT: %[[E:.*]] = math.exp %[[S]] : tensor<32x32xf32, #mma>
  // CHECK-NEXT: tilegpu.convert_layout %[[E]] : tensor<32x32xf32, #mma>
  // CHECK-NEXT: return
  func.func @dot_wins(%a: tensor<32x32xbf16, #a>, %b: tensor<32x32xbf16, #b>, %p: tensor<32x32x!tile.ptr<f32>, #row>) -> tensor<32x32xf32, #d2> {
    %zero = arith.constant dense<0.0> : tensor<32x32xf32, #mma>
    %c = tile.dot %a, %b, %zero : tensor<32x32xbf16, #a>, tensor<32x32xbf16, #b> -> tensor<32x32xf32, #mma>
    %cd = tilegpu.convert_layout %c : tensor<32x32xf32, #mma> -> tensor<32x32xf32, #d2>
    %x = tile.load %p : tensor<32x32x!tile.ptr<f32>, #row>
    %xd = tilegpu.convert_layout %x : tensor<32x32xf32, #row> -> tensor<32x32xf32, #d2>
    %s = arith.addf %cd, %xd : tensor<32x32xf32, #d2>
    %e = math.exp %s : tensor<32x32xf32, #d2>
    return %e : tensor<32x32xf32, #d2>
  }
}

// join and split move no data between threads: the pair sits in two registers of one thread
// (the joined tile's layout has the size-2 dimension first in its registers), so join is a
// choice of registers, the pair is stored as one 8-byte vector, and split undoes join. (The
// inputs are not known aligned, so their loads keep one element per thread, as the pairs do.)
// RUN: lacc %s --emit=tilegpu | FileCheck %s --check-prefix=LAYOUT
// RUN: lacc %s --emit=ptx --arch=sm_90a | FileCheck %s
// RUN: lacc %s --emit=ptx --arch=sm_90a -o %t.ptx && %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: lacc %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 %t80.ptx -o %t80.cubin
// REQUIRES: ptxas

// LAYOUT-DAG: #[[PAIR:.*]] = #tilegpu.blocked<{sizePerThread = [1, 2], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [1, 0]}>
// LAYOUT-LABEL: func.func @interleave
// LAYOUT: tile.join {{.*}} -> tensor<256x2xf32, #[[PAIR]]>
// LAYOUT-NOT: tilegpu.convert_layout
// LAYOUT: tile.split
// LAYOUT-NOT: tilegpu.convert_layout
// LAYOUT: return
// CHECK-LABEL: .entry interleave(
// CHECK-NOT: shfl
// CHECK-NOT: st.shared
// CHECK: st.global.v2.b32
// CHECK-NOT: shfl
// CHECK-NOT: st.shared
// CHECK: ret;
func.func @interleave(%x: !tile.ptr<f32>, %y: !tile.ptr<f32>,
                      %out: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                      %diff: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %xs = tile.splat %x : tensor<256x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %a = tile.load %xp : tensor<256x!tile.ptr<f32>>
  %ys = tile.splat %y : tensor<256x!tile.ptr<f32>>
  %yp = tile.addptr %ys, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %b = tile.load %yp : tensor<256x!tile.ptr<f32>>
  %j = tile.join %a, %b : tensor<256xf32> -> tensor<256x2xf32>
  // out[2i + h] = j[i, h]
  %rows = tile.expand_dims %r {axis = 1 : i32} : tensor<256xi32> -> tensor<256x1xi32>
  %two = arith.constant dense<2> : tensor<256x1xi32>
  %r2 = arith.muli %rows, %two : tensor<256x1xi32>
  %rb = tile.broadcast %r2 : tensor<256x1xi32> -> tensor<256x2xi32>
  %h = tile.make_range 0, 2 : tensor<2xi32>
  %hc = tile.expand_dims %h {axis = 0 : i32} : tensor<2xi32> -> tensor<1x2xi32>
  %hb = tile.broadcast %hc : tensor<1x2xi32> -> tensor<256x2xi32>
  %off = arith.addi %rb, %hb : tensor<256x2xi32>
  %os = tile.splat %out : tensor<256x2x!tile.ptr<f32>>
  %op = tile.addptr %os, %off : tensor<256x2x!tile.ptr<f32>>, tensor<256x2xi32>
  tile.store %op, %j : tensor<256x2x!tile.ptr<f32>>
  // And back: lo - hi = a - b.
  %lo, %hi = tile.split %j : tensor<256x2xf32> -> tensor<256xf32>
  %d = arith.subf %lo, %hi : tensor<256xf32>
  %ds = tile.splat %diff : tensor<256x!tile.ptr<f32>>
  %dp = tile.addptr %ds, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  tile.store %dp, %d : tensor<256x!tile.ptr<f32>>
  return
}

// A split of a tile loaded in the default layout (the pair spread over lanes) first brings
// the pairs into one thread; split itself stays a choice of registers.
// LAYOUT-LABEL: func.func @split_loaded
// LAYOUT: tilegpu.convert_layout
// LAYOUT: tile.split %{{.*}} : tensor<64x2xi32, #[[PAIR]]>
// CHECK-LABEL: .entry split_loaded(
func.func @split_loaded(%x: !tile.ptr<i32>, %out: !tile.ptr<i32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %xs = tile.splat %x : tensor<128x!tile.ptr<i32>>
  %xp = tile.addptr %xs, %r : tensor<128x!tile.ptr<i32>>, tensor<128xi32>
  %v = tile.load %xp : tensor<128x!tile.ptr<i32>>
  %pairs = tile.reshape %v : tensor<128xi32> -> tensor<64x2xi32>
  %lo, %hi = tile.split %pairs : tensor<64x2xi32> -> tensor<64xi32>
  %s = arith.addi %lo, %hi : tensor<64xi32>
  %r64 = tile.make_range 0, 64 : tensor<64xi32>
  %os = tile.splat %out : tensor<64x!tile.ptr<i32>>
  %op = tile.addptr %os, %r64 : tensor<64x!tile.ptr<i32>>, tensor<64xi32>
  tile.store %op, %s : tensor<64x!tile.ptr<i32>>
  return
}

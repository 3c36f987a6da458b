// RUN: lacc-opt %s --tile-to-tilegpu="num-warps=4" --tilegpu-coalesce | FileCheck %s
// RUN: lacc-opt %s --tile-to-tilegpu="num-warps=4" --tilegpu-coalesce --tilegpu-remove-layout-conversions --canonicalize | FileCheck %s --check-prefix=CLEAN

// 16-byte aligned, contiguous f32: 4 elements (16 bytes) per thread per access.
// CHECK-DAG: #[[V4:.*]] = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[V8:.*]] = #tilegpu.blocked<{sizePerThread = [8], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-DAG: #[[ROW:.*]] = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
// CHECK-DAG: #[[V1:.*]] = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// CHECK-LABEL: func.func @vadd
// CHECK: tile.load %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[V4]]>
// CHECK: tile.store %{{.*}}, %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[V4]]>

// After cleanup no conversion is left: the address arithmetic is recomputed in the
// coalesced layout and the add runs in it.
// CLEAN-LABEL: func.func @vadd
// CLEAN-NOT: tilegpu.convert_layout
// CLEAN: return
func.func @vadd(%x: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                %out: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                %n: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %r = tile.make_range 0, 1024 : tensor<1024xi32>
  %nv = tile.splat %n : tensor<1024xi32>
  %mask = arith.cmpi slt, %r, %nv : tensor<1024xi32>
  %xs = tile.splat %x : tensor<1024x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %r : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  %xv = tile.load %xp, %mask : tensor<1024x!tile.ptr<f32>>
  %y = arith.addf %xv, %xv : tensor<1024xf32>
  %os = tile.splat %out : tensor<1024x!tile.ptr<f32>>
  %op = tile.addptr %os, %r : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  tile.store %op, %y, %mask : tensor<1024x!tile.ptr<f32>>
  return
}

// bf16: 8 elements make 16 bytes.
// CHECK-LABEL: func.func @copy_bf16
// CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<bf16>, #[[V8]]>
func.func @copy_bf16(%in: !tile.ptr<bf16> {tile.divisibility = 16 : i32},
                     %out: !tile.ptr<bf16> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %r = tile.make_range 0, 1024 : tensor<1024xi32>
  %is = tile.splat %in : tensor<1024x!tile.ptr<bf16>>
  %ip = tile.addptr %is, %r : tensor<1024x!tile.ptr<bf16>>, tensor<1024xi32>
  %v = tile.load %ip : tensor<1024x!tile.ptr<bf16>>
  %os = tile.splat %out : tensor<1024x!tile.ptr<bf16>>
  %op = tile.addptr %os, %r : tensor<1024x!tile.ptr<bf16>>, tensor<1024xi32>
  tile.store %op, %v : tensor<1024x!tile.ptr<bf16>>
  return
}

// Without alignment facts the access stays scalar.
// CHECK-LABEL: func.func @unaligned
// CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[V1]]>
func.func @unaligned(%in: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 1024 : tensor<1024xi32>
  %is = tile.splat %in : tensor<1024x!tile.ptr<f32>>
  %ip = tile.addptr %is, %r : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  %v = tile.load %ip : tensor<1024x!tile.ptr<f32>>
  tile.store %ip, %v : tensor<1024x!tile.ptr<f32>>
  return
}

// 2-D, rows of 64 contiguous f32: 4 per thread along the rows, 16 threads per row.
// CHECK-LABEL: func.func @rows
// CHECK: tile.load %{{.*}} : tensor<32x64x!tile.ptr<f32>, #[[ROW]]>
func.func @rows(%in: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %r32 = tile.make_range 0, 32 : tensor<32xi32>
  %r64 = tile.make_range 0, 64 : tensor<64xi32>
  %re = tile.expand_dims %r32 {axis = 1 : i32} : tensor<32xi32> -> tensor<32x1xi32>
  %c64 = arith.constant dense<64> : tensor<32x1xi32>
  %rm = arith.muli %re, %c64 : tensor<32x1xi32>
  %rb = tile.broadcast %rm : tensor<32x1xi32> -> tensor<32x64xi32>
  %ce = tile.expand_dims %r64 {axis = 0 : i32} : tensor<64xi32> -> tensor<1x64xi32>
  %cb = tile.broadcast %ce : tensor<1x64xi32> -> tensor<32x64xi32>
  %off = arith.addi %rb, %cb : tensor<32x64xi32>
  %is = tile.splat %in : tensor<32x64x!tile.ptr<f32>>
  %ip = tile.addptr %is, %off : tensor<32x64x!tile.ptr<f32>>, tensor<32x64xi32>
  %v = tile.load %ip : tensor<32x64x!tile.ptr<f32>>
  tile.store %ip, %v : tensor<32x64x!tile.ptr<f32>>
  return
}

// No divisibility on the arguments: the hints alone (multiple_of on the pointer and the
// offsets, max_contiguous on the offsets) give 16-byte accesses, and the assumes take the
// coalesced layout with the address arithmetic (no conversion left).
// CHECK-LABEL: func.func @hinted
// CHECK: tile.load %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[V4]]>
// CHECK: tile.store %{{.*}}, %{{.*}} : tensor<1024x!tile.ptr<f32>, #[[V4]]>
// CLEAN-LABEL: func.func @hinted
// CLEAN-NOT: tilegpu.convert_layout
// CLEAN: return
func.func @hinted(%x: !tile.ptr<f32>, %out: !tile.ptr<f32>, %start: i32) attributes {tile.kernel} {
  %x16 = tile.assume %x {divisibility = array<i64: 16>} : !tile.ptr<f32>
  %s16 = tile.assume %start {divisibility = array<i64: 16>} : i32
  %r = tile.make_range 0, 1024 : tensor<1024xi32>
  %s = tile.splat %s16 : tensor<1024xi32>
  %o = arith.addi %s, %r : tensor<1024xi32>
  %oh = tile.assume %o {contiguity = array<i64: 1024>, divisibility = array<i64: 16>} : tensor<1024xi32>
  %xs = tile.splat %x16 : tensor<1024x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %oh : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  %v = tile.load %xp : tensor<1024x!tile.ptr<f32>>
  %out16 = tile.assume %out {divisibility = array<i64: 16>} : !tile.ptr<f32>
  %os = tile.splat %out16 : tensor<1024x!tile.ptr<f32>>
  %op = tile.addptr %os, %oh : tensor<1024x!tile.ptr<f32>>, tensor<1024xi32>
  tile.store %op, %v : tensor<1024x!tile.ptr<f32>>
  return
}

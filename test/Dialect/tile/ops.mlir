// Round trip of every tile op and of the pointer type: parse, print, parse the printed form
// again and check it; then the same through the generic form.
// RUN: lacc-opt %s | lacc-opt | FileCheck %s
// RUN: lacc-opt %s --mlir-print-op-generic | lacc-opt | FileCheck %s

// CHECK-LABEL: func.func @program_identity
func.func @program_identity() -> (i32, i32, i32, i32) {
  // CHECK: %{{.*}} = tile.program_id 0 : i32
  %0 = tile.program_id 0 : i32
  // CHECK: %{{.*}} = tile.program_id 2 : i32
  %1 = tile.program_id 2 : i32
  // CHECK: %{{.*}} = tile.num_programs 1 : i32
  %2 = tile.num_programs 1 : i32
  // CHECK: %{{.*}} = tile.num_programs 2 : i32
  %3 = tile.num_programs 2 : i32
  return %0, %1, %2, %3 : i32, i32, i32, i32
}

// CHECK-LABEL: func.func @pointer_types
// CHECK-SAME: !tile.ptr<f16>, %{{.*}}: !tile.ptr<bf16>, %{{.*}}: !tile.ptr<f32>, %{{.*}}: !tile.ptr<f64>
// CHECK-SAME: !tile.ptr<i1>, %{{.*}}: !tile.ptr<i8>, %{{.*}}: !tile.ptr<i16>, %{{.*}}: !tile.ptr<i32>, %{{.*}}: !tile.ptr<i64>
// CHECK-SAME: tensor<4x8x!tile.ptr<bf16>>
func.func @pointer_types(%a: !tile.ptr<f16>, %b: !tile.ptr<bf16>, %c: !tile.ptr<f32>, %d: !tile.ptr<f64>,
                         %e: !tile.ptr<i1>, %f: !tile.ptr<i8>, %g: !tile.ptr<i16>, %h: !tile.ptr<i32>,
                         %i: !tile.ptr<i64>, %t: tensor<4x8x!tile.ptr<bf16>>) {
  return
}

// CHECK-LABEL: func.func @construction
func.func @construction(%s: f32, %p: !tile.ptr<bf16>, %b: i1) {
  // CHECK: tile.make_range 0, 128 : tensor<128xi32>
  %r = tile.make_range 0, 128 : tensor<128xi32>
  // CHECK: tile.make_range -4, 4 : tensor<8xi32>
  %r2 = tile.make_range -4, 4 : tensor<8xi32>
  // CHECK: tile.splat %{{.*}} : tensor<16x32xf32>
  %0 = tile.splat %s : tensor<16x32xf32>
  // CHECK: tile.splat %{{.*}} : tensor<64x!tile.ptr<bf16>>
  %1 = tile.splat %p : tensor<64x!tile.ptr<bf16>>
  // CHECK: tile.splat %{{.*}} : tensor<4xi1>
  %2 = tile.splat %b : tensor<4xi1>
  return
}

// CHECK-LABEL: func.func @shapes
func.func @shapes(%x: tensor<16xf32>, %y: tensor<1x32xf32>, %z: tensor<16x32xbf16>,
                  %w: tensor<2x4x8xi8>, %p: tensor<16x!tile.ptr<f32>>) {
  // CHECK: tile.broadcast %{{.*}} : tensor<1x32xf32> -> tensor<16x32xf32>
  %0 = tile.broadcast %y : tensor<1x32xf32> -> tensor<16x32xf32>
  // CHECK: tile.expand_dims %{{.*}} {axis = 0 : i32} : tensor<16xf32> -> tensor<1x16xf32>
  %1 = tile.expand_dims %x {axis = 0 : i32} : tensor<16xf32> -> tensor<1x16xf32>
  // CHECK: tile.expand_dims %{{.*}} {axis = 1 : i32} : tensor<16xf32> -> tensor<16x1xf32>
  %2 = tile.expand_dims %x {axis = 1 : i32} : tensor<16xf32> -> tensor<16x1xf32>
  // CHECK: tile.expand_dims %{{.*}} {axis = 1 : i32} : tensor<16x!tile.ptr<f32>> -> tensor<16x1x!tile.ptr<f32>>
  %3 = tile.expand_dims %p {axis = 1 : i32} : tensor<16x!tile.ptr<f32>> -> tensor<16x1x!tile.ptr<f32>>
  // CHECK: tile.reshape %{{.*}} : tensor<16x32xbf16> -> tensor<512xbf16>
  %4 = tile.reshape %z : tensor<16x32xbf16> -> tensor<512xbf16>
  // CHECK: tile.reshape %{{.*}} : tensor<2x4x8xi8> -> tensor<8x8xi8>
  %5 = tile.reshape %w : tensor<2x4x8xi8> -> tensor<8x8xi8>
  // CHECK: tile.trans %{{.*}} {order = array<i32: 1, 0>} : tensor<16x32xbf16> -> tensor<32x16xbf16>
  %6 = tile.trans %z {order = array<i32: 1, 0>} : tensor<16x32xbf16> -> tensor<32x16xbf16>
  // CHECK: tile.trans %{{.*}} {order = array<i32: 2, 0, 1>} : tensor<2x4x8xi8> -> tensor<8x2x4xi8>
  %7 = tile.trans %w {order = array<i32: 2, 0, 1>} : tensor<2x4x8xi8> -> tensor<8x2x4xi8>
  return
}

// CHECK-LABEL: func.func @memory
func.func @memory(%p: !tile.ptr<f32>, %pt: tensor<128x!tile.ptr<bf16>>, %off: tensor<128xi32>,
                  %off64: tensor<128xi64>, %m: tensor<128xi1>, %o: tensor<128xbf16>,
                  %v: tensor<128xbf16>, %i: i32, %sm: i1, %sv: f32) {
  // CHECK: tile.addptr %{{.*}}, %{{.*}} : !tile.ptr<f32>, i32
  %0 = tile.addptr %p, %i : !tile.ptr<f32>, i32
  // CHECK: tile.addptr %{{.*}}, %{{.*}} : tensor<128x!tile.ptr<bf16>>, tensor<128xi32>
  %1 = tile.addptr %pt, %off : tensor<128x!tile.ptr<bf16>>, tensor<128xi32>
  // CHECK: tile.addptr %{{.*}}, %{{.*}} : tensor<128x!tile.ptr<bf16>>, tensor<128xi64>
  %2 = tile.addptr %pt, %off64 : tensor<128x!tile.ptr<bf16>>, tensor<128xi64>
  // CHECK: %[[L0:.*]] = tile.load %{{.*}} : !tile.ptr<f32>
  %l0 = tile.load %0 : !tile.ptr<f32>
  // CHECK: tile.load %{{.*}}, %{{.*}} : !tile.ptr<f32>
  %l1 = tile.load %0, %sm : !tile.ptr<f32>
  // CHECK: tile.load %{{.*}} : tensor<128x!tile.ptr<bf16>>
  %l2 = tile.load %1 : tensor<128x!tile.ptr<bf16>>
  // CHECK: tile.load %{{.*}}, %{{.*}} : tensor<128x!tile.ptr<bf16>>
  %l3 = tile.load %1, %m : tensor<128x!tile.ptr<bf16>>
  // CHECK: %[[L4:.*]] = tile.load %{{.*}}, %{{.*}}, %{{.*}} : tensor<128x!tile.ptr<bf16>>
  %l4 = tile.load %1, %m, %o : tensor<128x!tile.ptr<bf16>>
  // CHECK: tile.store %{{.*}}, %[[L0]] : !tile.ptr<f32>
  tile.store %0, %l0 : !tile.ptr<f32>
  // CHECK: tile.store %{{.*}}, %{{.*}}, %{{.*}} : !tile.ptr<f32>
  tile.store %0, %sv, %sm : !tile.ptr<f32>
  // CHECK: tile.store %{{.*}}, %[[L4]] : tensor<128x!tile.ptr<bf16>>
  tile.store %1, %l4 : tensor<128x!tile.ptr<bf16>>
  // CHECK: tile.store %{{.*}}, %{{.*}}, %{{.*}} : tensor<128x!tile.ptr<bf16>>
  tile.store %2, %v, %m : tensor<128x!tile.ptr<bf16>>
  return
}

// CHECK-LABEL: func.func @atomics
func.func @atomics(%p: !tile.ptr<f32>, %pt: tensor<64x!tile.ptr<i32>>, %pl: tensor<64x!tile.ptr<i64>>,
                   %v: f32, %vt: tensor<64xi32>, %vl: tensor<64xi64>, %m: tensor<64xi1>) {
  // CHECK: tile.atomic_rmw add %{{.*}}, %{{.*}} : !tile.ptr<f32>
  %0 = tile.atomic_rmw add %p, %v : !tile.ptr<f32>
  // CHECK: tile.atomic_rmw xchg %{{.*}}, %{{.*}} : !tile.ptr<f32>
  %1 = tile.atomic_rmw xchg %p, %v : !tile.ptr<f32>
  // CHECK: tile.atomic_rmw max %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<i32>>
  %2 = tile.atomic_rmw max %pt, %vt, %m : tensor<64x!tile.ptr<i32>>
  // CHECK: tile.atomic_rmw min %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<i64>>
  %3 = tile.atomic_rmw min %pl, %vl : tensor<64x!tile.ptr<i64>>
  // CHECK: tile.atomic_rmw add %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x!tile.ptr<i32>>
  %4 = tile.atomic_rmw add %pt, %vt, %m : tensor<64x!tile.ptr<i32>>
  return
}

// CHECK-LABEL: func.func @contractions
func.func @contractions(%a: tensor<64x32xbf16>, %b: tensor<32x16xbf16>, %acc: tensor<64x16xf32>,
                        %ha: tensor<16x16xf16>, %hacc: tensor<16x16xf16>,
                        %ia: tensor<16x32xi8>, %ib: tensor<32x16xi8>, %iacc: tensor<16x16xi32>,
                        %fa: tensor<16x16xf32>) {
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<64x32xbf16>, tensor<32x16xbf16> -> tensor<64x16xf32>
  %0 = tile.dot %a, %b, %acc : tensor<64x32xbf16>, tensor<32x16xbf16> -> tensor<64x16xf32>
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x16xf16>, tensor<16x16xf16> -> tensor<16x16xf16>
  %1 = tile.dot %ha, %ha, %hacc : tensor<16x16xf16>, tensor<16x16xf16> -> tensor<16x16xf16>
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x32xi8>, tensor<32x16xi8> -> tensor<16x16xi32>
  %2 = tile.dot %ia, %ib, %iacc : tensor<16x32xi8>, tensor<32x16xi8> -> tensor<16x16xi32>
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  %3 = tile.dot %fa, %fa, %fa : tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  return
}

// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<16x32xf32>, %v: tensor<64xi32>, %b: tensor<8xi1>) {
  // CHECK: tile.reduce sum %{{.*}} {axis = 1 : i32} : tensor<16x32xf32> -> tensor<16xf32>
  %0 = tile.reduce sum %x {axis = 1 : i32} : tensor<16x32xf32> -> tensor<16xf32>
  // CHECK: tile.reduce max %{{.*}} {axis = 0 : i32} : tensor<16x32xf32> -> tensor<32xf32>
  %1 = tile.reduce max %x {axis = 0 : i32} : tensor<16x32xf32> -> tensor<32xf32>
  // CHECK: tile.reduce min %{{.*}} {axis = 0 : i32} : tensor<64xi32> -> i32
  %2 = tile.reduce min %v {axis = 0 : i32} : tensor<64xi32> -> i32
  // CHECK: tile.reduce prod %{{.*}} {axis = 0 : i32} : tensor<64xi32> -> i32
  %3 = tile.reduce prod %v {axis = 0 : i32} : tensor<64xi32> -> i32
  // CHECK: tile.reduce max %{{.*}} {axis = 0 : i32} : tensor<8xi1> -> i1
  %4 = tile.reduce max %b {axis = 0 : i32} : tensor<8xi1> -> i1
  // CHECK: tile.scan sum %{{.*}} {axis = 1 : i32} : tensor<16x32xf32>
  %5 = tile.scan sum %x {axis = 1 : i32} : tensor<16x32xf32>
  // CHECK: tile.scan max %{{.*}} {axis = 0 : i32, reverse = true} : tensor<64xi32>
  %6 = tile.scan max %v {axis = 0 : i32, reverse = true} : tensor<64xi32>
  // The default reverse = false is elided.
  // CHECK: tile.scan prod %{{.*}} {axis = 0 : i32} : tensor<64xi32>
  // CHECK-NOT: reverse
  %7 = tile.scan prod %v {axis = 0 : i32, reverse = false} : tensor<64xi32>
  // CHECK: tile.scan min %{{.*}} {axis = 0 : i32} : tensor<16x32xf32>
  %8 = tile.scan min %x {axis = 0 : i32} : tensor<16x32xf32>
  return
}

// Ops under scf control flow in a kernel, as the front end emits them.
// CHECK-LABEL: func.func @kernel
// CHECK-SAME: attributes {tile.kernel}
// CHECK: scf.for
// CHECK: tile.load
// CHECK: scf.yield
func.func @kernel(%x: !tile.ptr<f32>, %n: i32) attributes {tile.kernel} {
  %c0 = arith.constant 0 : i32
  %c1 = arith.constant 1 : i32
  %z = arith.constant 0.0 : f32
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %z) -> (f32) : i32 {
    %q = tile.addptr %x, %i : !tile.ptr<f32>, i32
    %v = tile.load %q : !tile.ptr<f32>
    %a = arith.addf %acc, %v : f32
    scf.yield %a : f32
  }
  tile.store %x, %s : !tile.ptr<f32>
  return
}

// Memory ordering and scope of the atomics: the defaults (acq_rel, gpu) are elided.
// CHECK-LABEL: func.func @atomic_ordering
func.func @atomic_ordering(%p: !tile.ptr<i32>, %v: i32, %h: tensor<8x!tile.ptr<f16>>,
                           %hv: tensor<8xf16>, %f: !tile.ptr<f32>, %fv: f32) {
  // CHECK: tile.atomic_rmw add %{{.*}}, %{{.*}} : !tile.ptr<i32>
  %0 = tile.atomic_rmw add %p, %v sem = acq_rel scope = gpu : !tile.ptr<i32>
  // CHECK: tile.atomic_rmw xchg %{{.*}}, %{{.*}} sem = release scope = sys : !tile.ptr<i32>
  %1 = tile.atomic_rmw xchg %p, %v sem = release scope = sys : !tile.ptr<i32>
  // CHECK: tile.atomic_rmw max %{{.*}}, %{{.*}} scope = cta : !tile.ptr<f32>
  %2 = tile.atomic_rmw max %f, %fv scope = cta : !tile.ptr<f32>
  // CHECK: tile.atomic_rmw add %{{.*}}, %{{.*}} sem = relaxed : tensor<8x!tile.ptr<f16>>
  %3 = tile.atomic_rmw add %h, %hv sem = relaxed : tensor<8x!tile.ptr<f16>>
  // CHECK: tile.atomic_cas %{{.*}}, %{{.*}}, %{{.*}} sem = acquire : !tile.ptr<i32>
  %4 = tile.atomic_cas %p, %v, %v sem = acquire : !tile.ptr<i32>
  // CHECK: tile.atomic_cas %{{.*}}, %{{.*}}, %{{.*}} : !tile.ptr<f32>
  %5 = tile.atomic_cas %f, %fv, %fv : !tile.ptr<f32>
  // CHECK: tile.barrier
  tile.barrier
  return
}

// CHECK-LABEL: func.func @dot_precision_fp8
func.func @dot_precision_fp8(%a: tensor<16x16xf32>, %c: tensor<16x16xf32>,
                             %e: tensor<16x32xf8E4M3FN>, %f: tensor<32x16xf8E4M3FN>,
                             %g: tensor<16x16xf8E5M2>, %p: !tile.ptr<f8E5M2>) {
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} input_precision = tf32 : tensor<16x16xf32>
  %0 = tile.dot %a, %a, %c input_precision = tf32 : tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} input_precision = tf32x3 : tensor<16x16xf32>
  %1 = tile.dot %a, %a, %c input_precision = tf32x3 : tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  // The default, ieee, is elided.
  // CHECK: tile.dot %{{.*}}, %{{.*}}, %{{.*}} : tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  %2 = tile.dot %a, %a, %c input_precision = ieee : tensor<16x16xf32>, tensor<16x16xf32> -> tensor<16x16xf32>
  // CHECK: tile.dot %{{.*}} : tensor<16x32xf8E4M3FN>, tensor<32x16xf8E4M3FN> -> tensor<16x16xf32>
  %3 = tile.dot %e, %f, %c : tensor<16x32xf8E4M3FN>, tensor<32x16xf8E4M3FN> -> tensor<16x16xf32>
  // CHECK: tile.load %{{.*}} : !tile.ptr<f8E5M2>
  %4 = tile.load %p : !tile.ptr<f8E5M2>
  return
}

// CHECK-LABEL: func.func @join_split_hints
func.func @join_split_hints(%x: tensor<8x4xf32>, %i: i32, %t: tensor<64xi32>,
                            %q: tensor<64x!tile.ptr<f16>>, %c: tensor<64xi1>, %b: i1) {
  // CHECK: %[[J:.*]] = tile.join %{{.*}}, %{{.*}} : tensor<8x4xf32> -> tensor<8x4x2xf32>
  %0 = tile.join %x, %x : tensor<8x4xf32> -> tensor<8x4x2xf32>
  // CHECK: tile.split %[[J]] : tensor<8x4x2xf32> -> tensor<8x4xf32>
  %1:2 = tile.split %0 : tensor<8x4x2xf32> -> tensor<8x4xf32>
  // CHECK: tile.assume %{{.*}} {divisibility = array<i64: 16>} : i32
  %2 = tile.assume %i {divisibility = array<i64: 16>} : i32
  // CHECK: tile.assume %{{.*}} {contiguity = array<i64: 64>, divisibility = array<i64: 64>} : tensor<64xi32>
  %3 = tile.assume %t {divisibility = array<i64: 64>, contiguity = array<i64: 64>} : tensor<64xi32>
  // CHECK: tile.assume %{{.*}} {divisibility = array<i64: 16>} : tensor<64x!tile.ptr<f16>>
  %4 = tile.assume %q {divisibility = array<i64: 16>} : tensor<64x!tile.ptr<f16>>
  // CHECK: tile.assert %{{.*}}, "n must be positive" : i1
  tile.assert %b, "n must be positive" : i1
  // CHECK: tile.assert %{{.*}}, "in range" : tensor<64xi1>
  tile.assert %c, "in range" : tensor<64xi1>
  return
}

// CHECK-LABEL: func.func @block_pointers
// CHECK-SAME: !tile.block_ptr<tensor<64x32xbf16>>
func.func @block_pointers(%base: !tile.ptr<bf16>, %m: i64, %k: i64, %s0: i64, %s1: i64,
                          %o0: i32, %o1: i32, %bp: !tile.block_ptr<tensor<64x32xbf16>>) {
  // CHECK: %[[P:.*]] = tile.make_block_ptr %{{.*}}, [%{{.*}}, %{{.*}}], [%{{.*}}, %{{.*}}], [%{{.*}}, %{{.*}}] {order = array<i32: 1, 0>} : !tile.block_ptr<tensor<64x32xbf16>>
  %0 = tile.make_block_ptr %base, [%m, %k], [%s0, %s1], [%o0, %o1] {order = array<i32: 1, 0>} : !tile.block_ptr<tensor<64x32xbf16>>
  // CHECK: %[[A:.*]] = tile.advance %[[P]], [%{{.*}}, %{{.*}}] : !tile.block_ptr<tensor<64x32xbf16>>
  %1 = tile.advance %0, [%o0, %o1] : !tile.block_ptr<tensor<64x32xbf16>>
  // CHECK: %[[L:.*]] = tile.block_load %[[A]] boundary_check = [0, 1] padding = nan : !tile.block_ptr<tensor<64x32xbf16>>
  %2 = tile.block_load %1 boundary_check = [0, 1] padding = nan : !tile.block_ptr<tensor<64x32xbf16>>
  // CHECK: tile.block_load %{{.*}} : !tile.block_ptr<tensor<64x32xbf16>>
  %3 = tile.block_load %bp : !tile.block_ptr<tensor<64x32xbf16>>
  // CHECK: tile.block_store %{{.*}}, %[[L]] boundary_check = [1] : !tile.block_ptr<tensor<64x32xbf16>>
  tile.block_store %bp, %2 boundary_check = [1] : !tile.block_ptr<tensor<64x32xbf16>>
  return
}

// CHECK-LABEL: func.func @tensor_descriptor
// CHECK: %[[D:.*]] = tile.make_tensor_desc %arg0, [%arg1, %arg2], [%arg3, %{{.*}}] : [i32, i32], [i64, i64] -> !tile.tensor_desc<tensor<64x32xbf16>>
// CHECK: tile.descriptor_load %[[D]][%arg4, %arg4] : !tile.tensor_desc<tensor<64x32xbf16>> -> tensor<64x32xbf16>
func.func @tensor_descriptor(%p: !tile.ptr<bf16>, %m: i32, %n: i32, %ld: i64, %o: i32) -> tensor<64x32xbf16> {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%m, %n], [%ld, %one] : [i32, i32], [i64, i64] -> !tile.tensor_desc<tensor<64x32xbf16>>
  %t = tile.descriptor_load %d[%o, %o] : !tile.tensor_desc<tensor<64x32xbf16>> -> tensor<64x32xbf16>
  return %t : tensor<64x32xbf16>
}

// Stores through a descriptor: the block's own type, or (rank 3) the 2-D tile a 1x64x32 block
// holds.
// CHECK-LABEL: func.func @descriptor_store
// CHECK: tile.descriptor_store %{{.*}}[%arg4, %arg4], %arg5 : !tile.tensor_desc<tensor<64x32xbf16>>, tensor<64x32xbf16>
// CHECK: tile.descriptor_store %{{.*}}[%arg4, %arg4, %arg4], %arg5 : !tile.tensor_desc<tensor<1x64x32xbf16>>, tensor<64x32xbf16>
func.func @descriptor_store(%p: !tile.ptr<bf16>, %m: i32, %n: i32, %ld: i64, %o: i32, %v: tensor<64x32xbf16>) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%m, %n], [%ld, %one] : [i32, i32], [i64, i64] -> !tile.tensor_desc<tensor<64x32xbf16>>
  tile.descriptor_store %d[%o, %o], %v : !tile.tensor_desc<tensor<64x32xbf16>>, tensor<64x32xbf16>
  %d3 = tile.make_tensor_desc %p, [%m, %n, %n], [%ld, %ld, %one] : [i32, i32, i32], [i64, i64, i64] -> !tile.tensor_desc<tensor<1x64x32xbf16>>
  tile.descriptor_store %d3[%o, %o, %o], %v : !tile.tensor_desc<tensor<1x64x32xbf16>>, tensor<64x32xbf16>
  return
}

// A rank-3 descriptor's 1x64x32 block, read as the 64x32 tile it holds.
// CHECK-LABEL: func.func @tensor_descriptor_rank3
// CHECK: tile.descriptor_load %{{.*}}[%arg4, %arg4, %arg4] : !tile.tensor_desc<tensor<1x64x32xbf16>> -> tensor<64x32xbf16>
func.func @tensor_descriptor_rank3(%p: !tile.ptr<bf16>, %m: i32, %n: i32, %ld: i64, %o: i32) -> tensor<64x32xbf16> {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%m, %n, %n], [%ld, %ld, %one] : [i32, i32, i32], [i64, i64, i64] -> !tile.tensor_desc<tensor<1x64x32xbf16>>
  %t = tile.descriptor_load %d[%o, %o, %o] : !tile.tensor_desc<tensor<1x64x32xbf16>> -> tensor<64x32xbf16>
  return %t : tensor<64x32xbf16>
}

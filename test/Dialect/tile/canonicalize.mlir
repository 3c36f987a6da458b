// Every fold and canonicalization pattern of dialects/tile/TileOps.cpp, and cases that must
// stay as they are.
// RUN: lacc-opt %s -canonicalize -split-input-file | FileCheck %s
// RUN: lacc-opt %s -canonicalize -split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

//===----------------------------------------------------------------------===//
// SplatOp::fold: splat of a constant is a splat constant
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @splat_constant
// CHECK-DAG: %[[F:.*]] = arith.constant dense<2.500000e+00> : tensor<16x32xf32>
// CHECK-DAG: %[[I:.*]] = arith.constant dense<7> : tensor<8xi32>
// CHECK-NOT: tile.splat
// CHECK: return %[[F]], %[[I]]
func.func @splat_constant() -> (tensor<16x32xf32>, tensor<8xi32>) {
  %c = arith.constant 2.5 : f32
  %i = arith.constant 7 : i32
  %0 = tile.splat %c : tensor<16x32xf32>
  %1 = tile.splat %i : tensor<8xi32>
  return %0, %1 : tensor<16x32xf32>, tensor<8xi32>
}

// -----

// CHECK-LABEL: func.func @splat_not_constant
// CHECK-SAME: (%[[S:.*]]: f32)
// CHECK: %[[R:.*]] = tile.splat %[[S]] : tensor<16xf32>
// CHECK: return %[[R]]
func.func @splat_not_constant(%s: f32) -> tensor<16xf32> {
  %0 = tile.splat %s : tensor<16xf32>
  return %0 : tensor<16xf32>
}

//===----------------------------------------------------------------------===//
// BroadcastOp: fold (same type, splat constant), ShapeOfSplat, BroadcastOfBroadcast
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @broadcast_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NOT: tile.broadcast
// CHECK: return %[[X]]
func.func @broadcast_same_type(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = tile.broadcast %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_splat_constant
// CHECK: %[[C:.*]] = arith.constant dense<1.000000e+00> : tensor<16x8xf16>
// CHECK-NOT: tile.broadcast
// CHECK: return %[[C]]
func.func @broadcast_splat_constant() -> tensor<16x8xf16> {
  %c = arith.constant dense<1.0> : tensor<1x8xf16>
  %0 = tile.broadcast %c : tensor<1x8xf16> -> tensor<16x8xf16>
  return %0 : tensor<16x8xf16>
}

// -----

// CHECK-LABEL: func.func @broadcast_of_splat
// CHECK-SAME: (%[[S:.*]]: f32)
// CHECK: %[[R:.*]] = tile.splat %[[S]] : tensor<16x8xf32>
// CHECK-NOT: tile.broadcast
// CHECK: return %[[R]]
func.func @broadcast_of_splat(%s: f32) -> tensor<16x8xf32> {
  %0 = tile.splat %s : tensor<1x8xf32>
  %1 = tile.broadcast %0 : tensor<1x8xf32> -> tensor<16x8xf32>
  return %1 : tensor<16x8xf32>
}

// -----

// CHECK-LABEL: func.func @broadcast_of_broadcast
// CHECK-SAME: (%[[X:.*]]: tensor<1x1xi32>)
// CHECK: %[[R:.*]] = tile.broadcast %[[X]] : tensor<1x1xi32> -> tensor<16x8xi32>
// CHECK-NOT: tile.broadcast
// CHECK: return %[[R]]
func.func @broadcast_of_broadcast(%x: tensor<1x1xi32>) -> tensor<16x8xi32> {
  %0 = tile.broadcast %x : tensor<1x1xi32> -> tensor<1x8xi32>
  %1 = tile.broadcast %0 : tensor<1x8xi32> -> tensor<16x8xi32>
  return %1 : tensor<16x8xi32>
}

// -----

// A broadcast of a non-splat value stays.
// CHECK-LABEL: func.func @broadcast_kept
// CHECK-SAME: (%[[X:.*]]: tensor<1x8xf32>)
// CHECK: %[[R:.*]] = tile.broadcast %[[X]] : tensor<1x8xf32> -> tensor<4x8xf32>
// CHECK: return %[[R]]
func.func @broadcast_kept(%x: tensor<1x8xf32>) -> tensor<4x8xf32> {
  %0 = tile.broadcast %x : tensor<1x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

//===----------------------------------------------------------------------===//
// ExpandDimsOp: ShapeOfSplat
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @expand_dims_of_splat
// CHECK-SAME: (%[[P:.*]]: !tile.ptr<bf16>)
// CHECK: %[[R:.*]] = tile.splat %[[P]] : tensor<1x64x!tile.ptr<bf16>>
// CHECK-NOT: tile.expand_dims
// CHECK: return %[[R]]
func.func @expand_dims_of_splat(%p: !tile.ptr<bf16>) -> tensor<1x64x!tile.ptr<bf16>> {
  %0 = tile.splat %p : tensor<64x!tile.ptr<bf16>>
  %1 = tile.expand_dims %0 {axis = 0 : i32} : tensor<64x!tile.ptr<bf16>> -> tensor<1x64x!tile.ptr<bf16>>
  return %1 : tensor<1x64x!tile.ptr<bf16>>
}

// -----

// CHECK-LABEL: func.func @expand_dims_kept
// CHECK-SAME: (%[[X:.*]]: tensor<64xf32>)
// CHECK: %[[R:.*]] = tile.expand_dims %[[X]] {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
// CHECK: return %[[R]]
func.func @expand_dims_kept(%x: tensor<64xf32>) -> tensor<64x1xf32> {
  %0 = tile.expand_dims %x {axis = 1 : i32} : tensor<64xf32> -> tensor<64x1xf32>
  return %0 : tensor<64x1xf32>
}

//===----------------------------------------------------------------------===//
// ReshapeOp: fold (same type, splat constant), ShapeOfSplat, ReshapeOfReshape
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @reshape_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NOT: tile.reshape
// CHECK: return %[[X]]
func.func @reshape_same_type(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = tile.reshape %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_splat_constant
// CHECK: %[[C:.*]] = arith.constant dense<3> : tensor<2x16xi8>
// CHECK-NOT: tile.reshape
// CHECK: return %[[C]]
func.func @reshape_splat_constant() -> tensor<2x16xi8> {
  %c = arith.constant dense<3> : tensor<32xi8>
  %0 = tile.reshape %c : tensor<32xi8> -> tensor<2x16xi8>
  return %0 : tensor<2x16xi8>
}

// -----

// A reshape of a non-splat constant is not folded.
// CHECK-LABEL: func.func @reshape_dense_constant
// CHECK: %[[C:.*]] = arith.constant dense<[0, 1, 2, 3]> : tensor<4xi32>
// CHECK: %[[R:.*]] = tile.reshape %[[C]] : tensor<4xi32> -> tensor<2x2xi32>
// CHECK: return %[[R]]
func.func @reshape_dense_constant() -> tensor<2x2xi32> {
  %c = arith.constant dense<[0, 1, 2, 3]> : tensor<4xi32>
  %0 = tile.reshape %c : tensor<4xi32> -> tensor<2x2xi32>
  return %0 : tensor<2x2xi32>
}

// -----

// CHECK-LABEL: func.func @reshape_of_splat
// CHECK-SAME: (%[[S:.*]]: i64)
// CHECK: %[[R:.*]] = tile.splat %[[S]] : tensor<4x4xi64>
// CHECK-NOT: tile.reshape
// CHECK: return %[[R]]
func.func @reshape_of_splat(%s: i64) -> tensor<4x4xi64> {
  %0 = tile.splat %s : tensor<16xi64>
  %1 = tile.reshape %0 : tensor<16xi64> -> tensor<4x4xi64>
  return %1 : tensor<4x4xi64>
}

// -----

// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>)
// CHECK: %[[R:.*]] = tile.reshape %[[X]] : tensor<2x4x8xf32> -> tensor<64xf32>
// CHECK-NOT: tile.reshape
// CHECK: return %[[R]]
func.func @reshape_of_reshape(%x: tensor<2x4x8xf32>) -> tensor<64xf32> {
  %0 = tile.reshape %x : tensor<2x4x8xf32> -> tensor<8x8xf32>
  %1 = tile.reshape %0 : tensor<8x8xf32> -> tensor<64xf32>
  return %1 : tensor<64xf32>
}

// -----

// reshape(reshape(x)) back to x's own shape: merged, then folded away.
// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-SAME: (%[[X:.*]]: tensor<8x8xf32>)
// CHECK-NOT: tile.reshape
// CHECK: return %[[X]]
func.func @reshape_round_trip(%x: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %0 = tile.reshape %x : tensor<8x8xf32> -> tensor<64xf32>
  %1 = tile.reshape %0 : tensor<64xf32> -> tensor<8x8xf32>
  return %1 : tensor<8x8xf32>
}

//===----------------------------------------------------------------------===//
// TransOp: fold (identity order, splat constant), ShapeOfSplat, TransOfTrans
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @trans_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>)
// CHECK-NOT: tile.trans
// CHECK: return %[[X]]
func.func @trans_identity(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %0 = tile.trans %x {order = array<i32: 0, 1, 2>} : tensor<2x4x8xf32> -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

// A non-identity permutation of a tile whose shape it keeps (square) is not folded.
// CHECK-LABEL: func.func @trans_square_kept
// CHECK-SAME: (%[[X:.*]]: tensor<16x16xf32>)
// CHECK: %[[R:.*]] = tile.trans %[[X]] {order = array<i32: 1, 0>} : tensor<16x16xf32> -> tensor<16x16xf32>
// CHECK: return %[[R]]
func.func @trans_square_kept(%x: tensor<16x16xf32>) -> tensor<16x16xf32> {
  %0 = tile.trans %x {order = array<i32: 1, 0>} : tensor<16x16xf32> -> tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

// CHECK-LABEL: func.func @trans_splat_constant
// CHECK: %[[C:.*]] = arith.constant dense<0.000000e+00> : tensor<32x16xbf16>
// CHECK-NOT: tile.trans
// CHECK: return %[[C]]
func.func @trans_splat_constant() -> tensor<32x16xbf16> {
  %c = arith.constant dense<0.0> : tensor<16x32xbf16>
  %0 = tile.trans %c {order = array<i32: 1, 0>} : tensor<16x32xbf16> -> tensor<32x16xbf16>
  return %0 : tensor<32x16xbf16>
}

// -----

// CHECK-LABEL: func.func @trans_of_splat
// CHECK-SAME: (%[[S:.*]]: f16)
// CHECK: %[[R:.*]] = tile.splat %[[S]] : tensor<32x16xf16>
// CHECK-NOT: tile.trans
// CHECK: return %[[R]]
func.func @trans_of_splat(%s: f16) -> tensor<32x16xf16> {
  %0 = tile.splat %s : tensor<16x32xf16>
  %1 = tile.trans %0 {order = array<i32: 1, 0>} : tensor<16x32xf16> -> tensor<32x16xf16>
  return %1 : tensor<32x16xf16>
}

// -----

// Two transposes compose: inner [1, 0, 2] then outer [0, 2, 1] is [1, 2, 0].
// CHECK-LABEL: func.func @trans_of_trans
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>)
// CHECK: %[[R:.*]] = tile.trans %[[X]] {order = array<i32: 1, 2, 0>} : tensor<2x4x8xf32> -> tensor<4x8x2xf32>
// CHECK-NOT: tile.trans
// CHECK: return %[[R]]
func.func @trans_of_trans(%x: tensor<2x4x8xf32>) -> tensor<4x8x2xf32> {
  %0 = tile.trans %x {order = array<i32: 1, 0, 2>} : tensor<2x4x8xf32> -> tensor<4x2x8xf32>
  %1 = tile.trans %0 {order = array<i32: 0, 2, 1>} : tensor<4x2x8xf32> -> tensor<4x8x2xf32>
  return %1 : tensor<4x8x2xf32>
}

// -----

// Two transposes that cancel: composed to the identity, then folded away.
// CHECK-LABEL: func.func @trans_of_trans_identity
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x8xf32>)
// CHECK-NOT: tile.trans
// CHECK: return %[[X]]
func.func @trans_of_trans_identity(%x: tensor<2x4x8xf32>) -> tensor<2x4x8xf32> {
  %0 = tile.trans %x {order = array<i32: 1, 2, 0>} : tensor<2x4x8xf32> -> tensor<4x8x2xf32>
  %1 = tile.trans %0 {order = array<i32: 2, 0, 1>} : tensor<4x8x2xf32> -> tensor<2x4x8xf32>
  return %1 : tensor<2x4x8xf32>
}

//===----------------------------------------------------------------------===//
// AddPtrOp::fold: a zero offset
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @addptr_zero
// CHECK-SAME: (%[[P:.*]]: !tile.ptr<f32>, %[[T:.*]]: tensor<64x!tile.ptr<f32>>)
// CHECK-NOT: tile.addptr
// CHECK: return %[[P]], %[[T]], %[[T]]
func.func @addptr_zero(%p: !tile.ptr<f32>, %t: tensor<64x!tile.ptr<f32>>)
    -> (!tile.ptr<f32>, tensor<64x!tile.ptr<f32>>, tensor<64x!tile.ptr<f32>>) {
  %c0 = arith.constant 0 : i32
  %z = arith.constant dense<0> : tensor<64xi64>
  %s0 = arith.constant 0 : i32
  %zs = tile.splat %s0 : tensor<64xi32>
  %0 = tile.addptr %p, %c0 : !tile.ptr<f32>, i32
  %1 = tile.addptr %t, %z : tensor<64x!tile.ptr<f32>>, tensor<64xi64>
  %2 = tile.addptr %t, %zs : tensor<64x!tile.ptr<f32>>, tensor<64xi32>
  return %0, %1, %2 : !tile.ptr<f32>, tensor<64x!tile.ptr<f32>>, tensor<64x!tile.ptr<f32>>
}

// -----

// CHECK-LABEL: func.func @addptr_nonzero
// CHECK-SAME: (%[[P:.*]]: !tile.ptr<f32>, %[[O:.*]]: i32)
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[A:.*]] = tile.addptr %[[P]], %[[C1]] : !tile.ptr<f32>, i32
// CHECK-DAG: %[[B:.*]] = tile.addptr %[[P]], %[[O]] : !tile.ptr<f32>, i32
// CHECK: return %[[A]], %[[B]]
func.func @addptr_nonzero(%p: !tile.ptr<f32>, %o: i32) -> (!tile.ptr<f32>, !tile.ptr<f32>) {
  %c1 = arith.constant 1 : i32
  %0 = tile.addptr %p, %c1 : !tile.ptr<f32>, i32
  %1 = tile.addptr %p, %o : !tile.ptr<f32>, i32
  return %0, %1 : !tile.ptr<f32>, !tile.ptr<f32>
}

//===----------------------------------------------------------------------===//
// LoadOp / StoreOp: DropTrueMask
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @load_true_mask
// CHECK-SAME: (%[[P:.*]]: tensor<16x!tile.ptr<f32>>, %[[O:.*]]: tensor<16xf32>, %[[S:.*]]: !tile.ptr<i32>)
// CHECK: %[[A:.*]] = tile.load %[[P]] : tensor<16x!tile.ptr<f32>>{{$}}
// CHECK: %[[B:.*]] = tile.load %[[P]] : tensor<16x!tile.ptr<f32>>{{$}}
// CHECK: %[[C:.*]] = tile.load %[[S]] : !tile.ptr<i32>{{$}}
// CHECK: return %[[A]], %[[B]], %[[C]]
func.func @load_true_mask(%p: tensor<16x!tile.ptr<f32>>, %o: tensor<16xf32>, %s: !tile.ptr<i32>)
    -> (tensor<16xf32>, tensor<16xf32>, i32) {
  %t = arith.constant dense<true> : tensor<16xi1>
  %true = arith.constant true
  %ts = tile.splat %true : tensor<16xi1>
  %0 = tile.load %p, %t, %o : tensor<16x!tile.ptr<f32>>
  %1 = tile.load %p, %ts : tensor<16x!tile.ptr<f32>>
  %2 = tile.load %s, %true : !tile.ptr<i32>
  return %0, %1, %2 : tensor<16xf32>, tensor<16xf32>, i32
}

// -----

// The generic form shows that both optional operands are gone.
// GENERIC-LABEL: sym_name = "load_true_mask_generic"
// GENERIC: "tile.load"(%{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 0>}>
func.func @load_true_mask_generic(%p: tensor<16x!tile.ptr<f32>>, %o: tensor<16xf32>) -> tensor<16xf32> {
  %t = arith.constant dense<true> : tensor<16xi1>
  %0 = tile.load %p, %t, %o : tensor<16x!tile.ptr<f32>>
  return %0 : tensor<16xf32>
}

// -----

// A false or unknown mask stays, and so does `other`.
// CHECK-LABEL: func.func @load_mask_kept
// CHECK-SAME: (%[[P:.*]]: tensor<16x!tile.ptr<f32>>, %[[M:.*]]: tensor<16xi1>, %[[O:.*]]: tensor<16xf32>)
// CHECK-DAG: %[[F:.*]] = arith.constant dense<false> : tensor<16xi1>
// CHECK-DAG: %[[A:.*]] = tile.load %[[P]], %[[M]], %[[O]] : tensor<16x!tile.ptr<f32>>
// CHECK-DAG: %[[B:.*]] = tile.load %[[P]], %[[F]], %[[O]] : tensor<16x!tile.ptr<f32>>
// CHECK: return %[[A]], %[[B]]
func.func @load_mask_kept(%p: tensor<16x!tile.ptr<f32>>, %m: tensor<16xi1>, %o: tensor<16xf32>)
    -> (tensor<16xf32>, tensor<16xf32>) {
  %f = arith.constant dense<false> : tensor<16xi1>
  %0 = tile.load %p, %m, %o : tensor<16x!tile.ptr<f32>>
  %1 = tile.load %p, %f, %o : tensor<16x!tile.ptr<f32>>
  return %0, %1 : tensor<16xf32>, tensor<16xf32>
}

// -----

// CHECK-LABEL: func.func @store_true_mask
// CHECK-SAME: (%[[P:.*]]: tensor<16x!tile.ptr<f32>>, %[[V:.*]]: tensor<16xf32>, %[[M:.*]]: tensor<16xi1>, %[[S:.*]]: !tile.ptr<f32>, %[[SV:.*]]: f32)
// CHECK: tile.store %[[P]], %[[V]] : tensor<16x!tile.ptr<f32>>{{$}}
// CHECK: tile.store %[[S]], %[[SV]] : !tile.ptr<f32>{{$}}
// CHECK: tile.store %[[P]], %[[V]], %[[M]] : tensor<16x!tile.ptr<f32>>{{$}}
// CHECK: tile.store %[[P]], %[[V]], %{{.*}} : tensor<16x!tile.ptr<f32>>{{$}}
// CHECK: return
func.func @store_true_mask(%p: tensor<16x!tile.ptr<f32>>, %v: tensor<16xf32>, %m: tensor<16xi1>,
                           %s: !tile.ptr<f32>, %sv: f32) {
  %t = arith.constant dense<true> : tensor<16xi1>
  %true = arith.constant true
  %f = arith.constant dense<false> : tensor<16xi1>
  tile.store %p, %v, %t : tensor<16x!tile.ptr<f32>>
  tile.store %s, %sv, %true : !tile.ptr<f32>
  tile.store %p, %v, %m : tensor<16x!tile.ptr<f32>>
  tile.store %p, %v, %f : tensor<16x!tile.ptr<f32>>
  return
}

//===----------------------------------------------------------------------===//
// Descriptor loads fold a reshape that drops their block's leading unit dimensions
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @reshape_of_descriptor_load
// CHECK: %[[D:.*]] = tile.make_tensor_desc
// CHECK-NEXT: %[[L:.*]] = tile.descriptor_load %[[D]][%arg3, %arg4, %arg4] : !tile.tensor_desc<tensor<1x64x32xbf16>> -> tensor<64x32xbf16>
// CHECK-NEXT: return %[[L]]
func.func @reshape_of_descriptor_load(%p: !tile.ptr<bf16>, %n: i32, %ld: i64, %bh: i32, %o: i32) -> tensor<64x32xbf16> {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n, %n], [%ld, %ld, %one] : [i32, i32, i32], [i64, i64, i64] -> !tile.tensor_desc<tensor<1x64x32xbf16>>
  %t = tile.descriptor_load %d[%bh, %o, %o] : !tile.tensor_desc<tensor<1x64x32xbf16>> -> tensor<1x64x32xbf16>
  %r = tile.reshape %t : tensor<1x64x32xbf16> -> tensor<64x32xbf16>
  return %r : tensor<64x32xbf16>
}

// -----

// Two leading unit dimensions, and a load that already dropped one.
// CHECK-LABEL: func.func @reshape_of_descriptor_load_rank4
// CHECK: tile.descriptor_load %{{.*}} -> tensor<64x32xbf16>
// CHECK-NOT: tile.reshape
func.func @reshape_of_descriptor_load_rank4(%p: !tile.ptr<bf16>, %n: i32, %ld: i64, %o: i32) -> tensor<64x32xbf16> {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n, %n, %n], [%ld, %ld, %ld, %one] : [i32, i32, i32, i32], [i64, i64, i64, i64] -> !tile.tensor_desc<tensor<1x1x64x32xbf16>>
  %t = tile.descriptor_load %d[%o, %o, %o, %o] : !tile.tensor_desc<tensor<1x1x64x32xbf16>> -> tensor<1x64x32xbf16>
  %r = tile.reshape %t : tensor<1x64x32xbf16> -> tensor<64x32xbf16>
  return %r : tensor<64x32xbf16>
}

// -----

// Not folded: a reshape that does more than drop unit dimensions, and a load with another use
// (which would then be read twice).
// CHECK-LABEL: func.func @reshape_of_descriptor_load_kept
// CHECK: %[[A:.*]] = tile.descriptor_load %{{.*}} -> tensor<1x64x32xbf16>
// CHECK-NEXT: tile.reshape %[[A]] : tensor<1x64x32xbf16> -> tensor<32x64xbf16>
// CHECK: %[[B:.*]] = tile.descriptor_load %{{.*}} -> tensor<1x64x32xbf16>
// CHECK-NEXT: tile.reshape %[[B]] : tensor<1x64x32xbf16> -> tensor<64x32xbf16>
func.func @reshape_of_descriptor_load_kept(%p: !tile.ptr<bf16>, %n: i32, %ld: i64, %o: i32) -> (tensor<32x64xbf16>, tensor<64x32xbf16>, tensor<1x64x32xbf16>) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n, %n], [%ld, %ld, %one] : [i32, i32, i32], [i64, i64, i64] -> !tile.tensor_desc<tensor<1x64x32xbf16>>
  %a = tile.descriptor_load %d[%o, %o, %o] : !tile.tensor_desc<tensor<1x64x32xbf16>> -> tensor<1x64x32xbf16>
  %ra = tile.reshape %a : tensor<1x64x32xbf16> -> tensor<32x64xbf16>
  %b = tile.descriptor_load %d[%o, %o, %o] : !tile.tensor_desc<tensor<1x64x32xbf16>> -> tensor<1x64x32xbf16>
  %rb = tile.reshape %b : tensor<1x64x32xbf16> -> tensor<64x32xbf16>
  return %ra, %rb, %b : tensor<32x64xbf16>, tensor<64x32xbf16>, tensor<1x64x32xbf16>
}

//===----------------------------------------------------------------------===//
// Memory effects: loads without uses are dead, stores and atomics are not
//===----------------------------------------------------------------------===//

// -----

// CHECK-LABEL: func.func @effects
// CHECK-NOT: tile.load
// CHECK: tile.atomic_rmw add
// CHECK: tile.store
func.func @effects(%p: !tile.ptr<f32>, %v: f32) {
  %0 = tile.load %p : !tile.ptr<f32>
  %1 = tile.atomic_rmw add %p, %v : !tile.ptr<f32>
  tile.store %p, %v : !tile.ptr<f32>
  return
}

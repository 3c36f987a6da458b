// tile-rewrite-block-pointers: block pointers become their parts (base, shape, strides,
// offsets), carried through scf.for; block loads and stores become pointer tiles and masks.
// RUN: lacc-opt %s --tile-rewrite-block-pointers | FileCheck %s
// RUN: lacc-opt %s --tile-rewrite-block-pointers --canonicalize | FileCheck %s --check-prefix=CANON

// CHECK-LABEL: func.func @copy(
// CHECK-SAME:    %[[SRC:[a-z0-9]+]]: !tile.ptr<f32>, %[[DST:[a-z0-9]+]]: !tile.ptr<f32>, %[[M:[a-z0-9]+]]: i64, %[[N:[a-z0-9]+]]: i64, %[[O0:[a-z0-9]+]]: i32
// CHECK-NOT:     block
// The loop carries the parts: base, shape, strides, offsets.
// CHECK:         %[[LOOP:.*]]:7 = scf.for %[[I:.*]] = {{.*}} iter_args(%[[B:.*]] = %[[SRC]], %{{.*}} = %[[M]], %[[SN:.*]] = %[[N]], %[[S0:.*]] = %[[N]], %[[S1:.*]] = %{{.*}}, %[[F0:.*]] = %[[O0]], %[[F1:.*]] = %{{.*}}) -> (!tile.ptr<f32>, i64, i64, i64, i64, i32, i32)
// Rows: (i64(offset0) + arange(16)) * stride0, spread over the columns.
// CHECK:           %[[R0:.*]] = tile.make_range 0, 16 : tensor<16xi32>
// CHECK:           %[[W0:.*]] = arith.extsi %[[F0]] : i32 to i64
// CHECK:           %[[E0:.*]] = arith.extsi %[[R0]] : tensor<16xi32> to tensor<16xi64>
// CHECK:           %[[I0:.*]] = arith.addi %{{.*}}, %[[E0]] : tensor<16xi64>
// CHECK:           %[[T0:.*]] = arith.muli %[[I0]], %{{.*}} : tensor<16xi64>
// CHECK:           %[[X0:.*]] = tile.reshape %[[T0]] : tensor<16xi64> -> tensor<16x1xi64>
// CHECK:           %[[Y0:.*]] = tile.broadcast %[[X0]] : tensor<16x1xi64> -> tensor<16x32xi64>
// Columns, the same way, and only they are checked against the shape.
// CHECK:           %[[R1:.*]] = tile.make_range 0, 32 : tensor<32xi32>
// CHECK:           %[[I1:.*]] = arith.addi %{{.*}}, %{{.*}} : tensor<32xi64>
// CHECK:           %[[Y1:.*]] = tile.broadcast %{{.*}} : tensor<1x32xi64> -> tensor<16x32xi64>
// CHECK:           %[[OFF:.*]] = arith.addi %[[Y0]], %[[Y1]] : tensor<16x32xi64>
// CHECK:           %[[LIMIT:.*]] = tile.splat %[[SN]] : tensor<32xi64>
// CHECK:           %[[BELOW:.*]] = arith.cmpi slt, %[[I1]], %[[LIMIT]] : tensor<32xi64>
// CHECK:           %[[ABOVE:.*]] = arith.cmpi sge, %[[I1]], %{{.*}} : tensor<32xi64>
// CHECK:           %[[IN:.*]] = arith.andi %[[ABOVE]], %[[BELOW]] : tensor<32xi1>
// CHECK:           %[[MASK:.*]] = tile.broadcast %{{.*}} : tensor<1x32xi1> -> tensor<16x32xi1>
// CHECK:           %[[BASES:.*]] = tile.splat %[[B]] : tensor<16x32x!tile.ptr<f32>>
// CHECK:           %[[PTRS:.*]] = tile.addptr %[[BASES]], %[[OFF]] : tensor<16x32x!tile.ptr<f32>>, tensor<16x32xi64>
// CHECK:           %[[NAN:.*]] = arith.constant dense<0x7FC00000> : tensor<16x32xf32>
// CHECK:           %[[BLK:.*]] = tile.load %[[PTRS]], %[[MASK]], %[[NAN]] : tensor<16x32x!tile.ptr<f32>>
// An unchecked store: no mask.
// CHECK:           %[[DPTRS:.*]] = tile.addptr %{{.*}} : tensor<16x32x!tile.ptr<f32>>, tensor<16x32xi64>
// CHECK:           tile.store %[[DPTRS]], %[[BLK]] : tensor<16x32x!tile.ptr<f32>>
// advance adds to the offsets.
// CHECK:           %[[N0:.*]] = arith.addi %[[F0]], %{{.*}} : i32
// CHECK:           %[[N1:.*]] = arith.addi %[[F1]], %{{.*}} : i32
// CHECK:           scf.yield %[[B]], %{{.*}}, %[[SN]], %[[S0]], %[[S1]], %[[N0]], %[[N1]] : !tile.ptr<f32>, i64, i64, i64, i64, i32, i32
// After the loop, an unchecked load of the carried pointer: no mask, no other.
// CHECK:         %[[LAST:.*]] = tile.addptr %{{.*}} : tensor<16x32x!tile.ptr<f32>>, tensor<16x32xi64>
// CHECK:         tile.load %[[LAST]] : tensor<16x32x!tile.ptr<f32>>

// What a loop never changes does not stay in it.
// CANON-LABEL: func.func @copy(
// CANON:         scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (i32)

func.func @copy(%src: !tile.ptr<f32>, %dst: !tile.ptr<f32>, %m: i64, %n: i64, %o0: i32, %k: i32) attributes {tile.kernel} {
  %one = arith.constant 1 : i64
  %c0 = arith.constant 0 : i32
  %c16 = arith.constant 16 : i32
  %s = tile.make_block_ptr %src, [%m, %n], [%n, %one], [%o0, %c0] {order = array<i32: 1, 0>} : !tile.block_ptr<tensor<16x32xf32>>
  %r:1 = scf.for %i = %c0 to %k step %c16 iter_args(%p = %s) -> (!tile.block_ptr<tensor<16x32xf32>>) : i32 {
    %blk = tile.block_load %p boundary_check = [1] padding = nan : !tile.block_ptr<tensor<16x32xf32>>
    %d = tile.make_block_ptr %dst, [%m, %n], [%n, %one], [%o0, %i] {order = array<i32: 1, 0>} : !tile.block_ptr<tensor<16x32xf32>>
    tile.block_store %d, %blk : !tile.block_ptr<tensor<16x32xf32>>
    %next = tile.advance %p, [%c0, %c16] : !tile.block_ptr<tensor<16x32xf32>>
    scf.yield %next : !tile.block_ptr<tensor<16x32xf32>>
  }
  %v = tile.block_load %r#0 : !tile.block_ptr<tensor<16x32xf32>>
  return
}

// A kernel without block pointers is left as it is.
// CHECK-LABEL: func.func @untouched(
// CHECK-NEXT:    %[[V:.*]] = tile.load %arg0 : !tile.ptr<f32>
// CHECK-NEXT:    tile.store %arg0, %[[V]] : !tile.ptr<f32>
// CHECK-NEXT:    return
func.func @untouched(%p: !tile.ptr<f32>) attributes {tile.kernel} {
  %v = tile.load %p : !tile.ptr<f32>
  tile.store %p, %v : !tile.ptr<f32>
  return
}

// Tensor descriptor loads. A reshape that drops a load's leading unit dimensions is folded
// into it first. Without keep-tma-loads every load becomes a block load over the dimensions it
// keeps (every one checked: rows past a ragged end read zero): the folded one adds its leading
// offset times its stride to the base (a scalar), and where that offset is outside the tensor
// its rows start a whole block before it (-16), so the block reads zeros; the one that keeps
// its 1x16x32 shape is a 3-D load. With keep-tma-loads (prefix TMA), the loads of a 2-D result
// stay: the folded rank-3 one and the rank-2 one, but not the 1x16x32 one.
// RUN: lacc-opt %s --tile-rewrite-block-pointers=keep-tma-loads=true | FileCheck %s --check-prefix=TMA
// CHECK-LABEL: func.func @descriptors(
// CHECK-NOT:     tile.descriptor_load
// CHECK:         %[[B:.*]] = arith.extsi %arg3 : i32 to i64
// CHECK:         %[[BOFF:.*]] = arith.muli %[[B]], %{{.*}} : i64
// CHECK:         %[[BASE:.*]] = tile.addptr %arg0, %[[BOFF]] : !tile.ptr<f32>, i64
// CHECK:         %[[LT:.*]] = arith.cmpi slt, %[[B]], %{{.*}} : i64
// CHECK:         %[[GE:.*]] = arith.cmpi sge, %[[B]], %{{.*}} : i64
// CHECK:         %[[IN:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// CHECK:         %[[BEFORE:.*]] = arith.constant -16 : i32
// CHECK:         arith.select %[[IN]], %arg4, %[[BEFORE]] : i32
// CHECK:         tile.splat %[[BASE]] : tensor<16x32x!tile.ptr<f32>>
// CHECK:         %[[L:.*]] = tile.load {{.*}} : tensor<16x32x!tile.ptr<f32>>
// CHECK-NOT:     tile.reshape %[[L]]
// CHECK:         tile.load {{.*}} : tensor<1x16x32x!tile.ptr<f32>>
// CHECK:         tile.load {{.*}} : tensor<16x32x!tile.ptr<f32>>
// CHECK-NOT:     tile.descriptor_load
// CHECK:         return
// TMA-LABEL: func.func @descriptors(
// TMA:           %[[D3:.*]] = tile.make_tensor_desc %arg0, [%arg1, %arg2, %c32_i32]
// TMA:           %[[D2:.*]] = tile.make_tensor_desc %arg0, [%arg2, %c32_i32]
// TMA-NEXT:      %[[A:.*]] = tile.descriptor_load %[[D3]][%arg3, %arg4, %c0_i32] : !tile.tensor_desc<tensor<1x16x32xf32>> -> tensor<16x32xf32>
// TMA-NOT:       -> tensor<16x32xf32>
// TMA:           tile.load {{.*}} : tensor<1x16x32x!tile.ptr<f32>>
// TMA-NOT:       -> tensor<16x32xf32>
// TMA:           %[[C:.*]] = tile.descriptor_load %[[D2]][%arg4, %c0_i32] : !tile.tensor_desc<tensor<16x32xf32>> -> tensor<16x32xf32>
// TMA:           return %[[A]], %{{.*}}, %[[C]]
func.func @descriptors(%p: !tile.ptr<f32>, %bh: i32, %n: i32, %b: i32, %row: i32) -> (tensor<16x32xf32>, tensor<1x16x32xf32>, tensor<16x32xf32>) attributes {tile.kernel} {
  %c0 = arith.constant 0 : i32
  %c32 = arith.constant 32 : i32
  %one = arith.constant 1 : i32
  %d3 = tile.make_tensor_desc %p, [%bh, %n, %c32], [%n, %c32, %one] : [i32, i32, i32], [i32, i32, i32] -> !tile.tensor_desc<tensor<1x16x32xf32>>
  %d2 = tile.make_tensor_desc %p, [%n, %c32], [%c32, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<16x32xf32>>
  %a = tile.descriptor_load %d3[%b, %row, %c0] : !tile.tensor_desc<tensor<1x16x32xf32>> -> tensor<1x16x32xf32>
  %ra = tile.reshape %a : tensor<1x16x32xf32> -> tensor<16x32xf32>
  %k = tile.descriptor_load %d3[%b, %row, %c0] : !tile.tensor_desc<tensor<1x16x32xf32>> -> tensor<1x16x32xf32>
  %c = tile.descriptor_load %d2[%row, %c0] : !tile.tensor_desc<tensor<16x32xf32>> -> tensor<16x32xf32>
  return %ra, %k, %c : tensor<16x32xf32>, tensor<1x16x32xf32>, tensor<16x32xf32>
}

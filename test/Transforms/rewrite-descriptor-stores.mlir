// tile-rewrite-block-pointers on tensor descriptor stores (desc.store): without keep-tma-loads
// every store becomes a masked tile.store of the block over the dimensions it writes, every
// one checked, so nothing outside the tensor is written:
//  - @stores: a 16x32 tile through a rank-3 descriptor of block 1x16x32 adds its leading offset
//    times its stride to the base (a scalar), and where that offset is outside [0, bh) its rows
//    start a whole block before the tensor (-16), so that the mask is false everywhere; the
//    whole 1x16x32 block is first seen as its 16x32 tile (a reshape), then stored the same way;
//    the rank-2 descriptor's store is a masked 16x32 store.
//  - With keep-tma-loads (prefix TMA, sm_90a) the stores of a 2-D tile stay for the TMA; the
//    1x16x32 block becomes one through its reshape; a rank-1 one does not stay. The TMA faults
//    on a negative coordinate, so each store stays on a branch where its offsets are >= 0
//    (constants known to be are not tested) and is a pointer store on the other.
//  - @widths (TMA only): the TMA writes whole 16-byte chunks of a row, so a store whose rows
//    end ragged (innermost extent times element size not a multiple of 16) would write past
//    them: with a constant extent that is not (6 f32) the store is a pointer store; one that is
//    (8 bf16 = 16 bytes) stays without a test, as does an argument the runtime specialized as
//    a multiple of 16 (tile.divisibility); another variable extent is tested at run time
//    (n & 7 for bf16, n & 3 for f32).
// RUN: lacc-opt %s --tile-rewrite-block-pointers | FileCheck %s
// RUN: lacc-opt %s --tile-rewrite-block-pointers=keep-tma-loads=true | FileCheck %s --check-prefix=TMA

// CHECK-LABEL: func.func @stores(
// CHECK-NOT:     tile.descriptor_store
// CHECK:         %[[B:.*]] = arith.extsi %arg3 : i32 to i64
// CHECK:         %[[BOFF:.*]] = arith.muli %[[B]], %{{.*}} : i64
// CHECK:         %[[BASE:.*]] = tile.addptr %arg0, %[[BOFF]] : !tile.ptr<f32>, i64
// CHECK:         %[[LT:.*]] = arith.cmpi slt, %[[B]], %{{.*}} : i64
// CHECK:         %[[GE:.*]] = arith.cmpi sge, %[[B]], %{{.*}} : i64
// CHECK:         %[[IN:.*]] = arith.andi %[[GE]], %[[LT]] : i1
// CHECK:         %[[BEFORE:.*]] = arith.constant -16 : i32
// CHECK:         arith.select %[[IN]], %arg4, %[[BEFORE]] : i32
// CHECK:         tile.splat %[[BASE]] : tensor<16x32x!tile.ptr<f32>>
// CHECK:         tile.store %{{.*}}, %arg5, %{{.*}} : tensor<16x32x!tile.ptr<f32>>
// CHECK:         %[[T:.*]] = tile.reshape %arg6 : tensor<1x16x32xf32> -> tensor<16x32xf32>
// CHECK:         arith.select
// CHECK:         tile.store %{{.*}}, %[[T]], %{{.*}} : tensor<16x32x!tile.ptr<f32>>
// CHECK:         tile.store %{{.*}}, %arg5, %{{.*}} : tensor<16x32x!tile.ptr<f32>>
// CHECK:         tile.store %{{.*}}, %arg7, %{{.*}} : tensor<32x!tile.ptr<f32>>
// CHECK-NOT:     tile.descriptor_store
// CHECK-NOT:     tile.make_tensor_desc
// CHECK:         return

// TMA-LABEL: func.func @stores(
// TMA:           %[[D3:.*]] = tile.make_tensor_desc %arg0, [%arg1, %arg2, %c32_i32]
// TMA:           %[[D2:.*]] = tile.make_tensor_desc %arg0, [%arg2, %c32_i32]
// TMA:           %[[B:.*]] = arith.cmpi sge, %arg3, %{{.*}} : i32
// TMA:           %[[R:.*]] = arith.cmpi sge, %arg4, %{{.*}} : i32
// TMA-NEXT:      %[[OK:.*]] = arith.andi %[[B]], %[[R]] : i1
// TMA-NEXT:      scf.if %[[OK]] {
// TMA-NEXT:        tile.descriptor_store %[[D3]][%arg3, %arg4, %c0_i32], %arg5 : !tile.tensor_desc<tensor<1x16x32xf32>>, tensor<16x32xf32>
// TMA-NEXT:      } else {
// TMA-NOT:         tile.descriptor_store
// TMA:             tile.store %{{.*}}, %arg5, %{{.*}} : tensor<16x32x!tile.ptr<f32>>
// TMA-NEXT:      }
// TMA-NEXT:      %[[T:.*]] = tile.reshape %arg6 : tensor<1x16x32xf32> -> tensor<16x32xf32>
// TMA:           scf.if
// TMA-NEXT:        tile.descriptor_store %[[D3]][%arg3, %arg4, %c0_i32], %[[T]] : !tile.tensor_desc<tensor<1x16x32xf32>>, tensor<16x32xf32>
// TMA-NEXT:      } else {
// TMA:             tile.store %{{.*}}, %[[T]], %{{.*}} : tensor<16x32x!tile.ptr<f32>>
// TMA:           %[[ROW:.*]] = arith.cmpi sge, %arg4, %{{.*}} : i32
// TMA-NEXT:      scf.if %[[ROW]] {
// TMA-NEXT:        tile.descriptor_store %[[D2]][%arg4, %c0_i32], %arg5 : !tile.tensor_desc<tensor<16x32xf32>>, tensor<16x32xf32>
// TMA-NEXT:      } else {
// TMA:             tile.store %{{.*}}, %arg5, %{{.*}} : tensor<16x32x!tile.ptr<f32>>
// TMA-NOT:       tile.descriptor_store
// TMA:           tile.store %{{.*}}, %arg7, %{{.*}} : tensor<32x!tile.ptr<f32>>
// TMA:           return
func.func @stores(%p: !tile.ptr<f32>, %bh: i32, %n: i32, %b: i32, %row: i32, %t: tensor<16x32xf32>, %blk: tensor<1x16x32xf32>, %line: tensor<32xf32>) attributes {tile.kernel} {
  %c0 = arith.constant 0 : i32
  %c32 = arith.constant 32 : i32
  %one = arith.constant 1 : i32
  %d3 = tile.make_tensor_desc %p, [%bh, %n, %c32], [%n, %c32, %one] : [i32, i32, i32], [i32, i32, i32] -> !tile.tensor_desc<tensor<1x16x32xf32>>
  %d2 = tile.make_tensor_desc %p, [%n, %c32], [%c32, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<16x32xf32>>
  %d1 = tile.make_tensor_desc %p, [%n], [%one] : [i32], [i32] -> !tile.tensor_desc<tensor<32xf32>>
  tile.descriptor_store %d3[%b, %row, %c0], %t : !tile.tensor_desc<tensor<1x16x32xf32>>, tensor<16x32xf32>
  tile.descriptor_store %d3[%b, %row, %c0], %blk : !tile.tensor_desc<tensor<1x16x32xf32>>, tensor<1x16x32xf32>
  tile.descriptor_store %d2[%row, %c0], %t : !tile.tensor_desc<tensor<16x32xf32>>, tensor<16x32xf32>
  tile.descriptor_store %d1[%row], %line : !tile.tensor_desc<tensor<32xf32>>, tensor<32xf32>
  return
}

// TMA-LABEL: func.func @widths(
// TMA-NOT:       tile.descriptor_store
// TMA:           tile.store %{{.*}}, %arg3, %{{.*}} : tensor<16x8x!tile.ptr<f32>>
// TMA:           %[[D8:.*]] = tile.make_tensor_desc %arg1, [%arg2, %c8_i32]
// TMA-NEXT:      tile.descriptor_store %[[D8]][%c0_i32, %c0_i32], %arg4
// TMA:           %[[DN:.*]] = tile.make_tensor_desc %arg1, [%arg2, %arg2]
// TMA:           %[[REST:.*]] = arith.andi %arg2, %c7_i32 : i32
// TMA:           %[[WHOLE:.*]] = arith.cmpi eq, %[[REST]], %{{.*}} : i32
// TMA-NEXT:      scf.if %[[WHOLE]] {
// TMA-NEXT:        tile.descriptor_store %[[DN]][%c0_i32, %c0_i32], %arg4
// TMA-NEXT:      } else {
// TMA:             tile.store %{{.*}}, %arg4, %{{.*}} : tensor<16x8x!tile.ptr<bf16>>
// TMA:           %[[DF:.*]] = tile.make_tensor_desc %arg0, [%arg2, %arg2]
// TMA:           arith.andi %arg2, %c3_i32 : i32
// TMA:           scf.if
// TMA-NEXT:        tile.descriptor_store %[[DF]][%c0_i32, %c0_i32], %arg3
// TMA:           %[[DM:.*]] = tile.make_tensor_desc %arg1, [%arg2, %arg5]
// TMA-NEXT:      tile.descriptor_store %[[DM]][%c0_i32, %c0_i32], %arg4
// TMA-NEXT:      return
func.func @widths(%p: !tile.ptr<f32>, %q: !tile.ptr<bf16>, %n: i32, %t: tensor<16x8xf32>, %h: tensor<16x8xbf16>, %m: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %c0 = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  %c6 = arith.constant 6 : i32
  %c8 = arith.constant 8 : i32
  %d6 = tile.make_tensor_desc %p, [%n, %c6], [%c8, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<16x8xf32>>
  tile.descriptor_store %d6[%c0, %c0], %t : !tile.tensor_desc<tensor<16x8xf32>>, tensor<16x8xf32>
  %d8 = tile.make_tensor_desc %q, [%n, %c8], [%c8, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<16x8xbf16>>
  tile.descriptor_store %d8[%c0, %c0], %h : !tile.tensor_desc<tensor<16x8xbf16>>, tensor<16x8xbf16>
  %dn = tile.make_tensor_desc %q, [%n, %n], [%n, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<16x8xbf16>>
  tile.descriptor_store %dn[%c0, %c0], %h : !tile.tensor_desc<tensor<16x8xbf16>>, tensor<16x8xbf16>
  %df = tile.make_tensor_desc %p, [%n, %n], [%n, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<16x8xf32>>
  tile.descriptor_store %df[%c0, %c0], %t : !tile.tensor_desc<tensor<16x8xf32>>, tensor<16x8xf32>
  %dm = tile.make_tensor_desc %q, [%n, %m], [%m, %one] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<16x8xbf16>>
  tile.descriptor_store %dm[%c0, %c0], %h : !tile.tensor_desc<tensor<16x8xbf16>>, tensor<16x8xbf16>
  return
}

// Every verifier error of the tile dialect (dialects/tile/TileOps.cpp, TileDialect.cpp) and the
// ODS type and attribute constraints of dialects/tile/*.td, one case per split.
// RUN: lacc-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// pointer type
//===----------------------------------------------------------------------===//

// expected-error @+1 {{pointee must be an integer or floating-point type, got 'index'}}
func.func @ptr_to_index(%p: !tile.ptr<index>)

// -----

// expected-error @+1 {{pointee must be an integer or floating-point type, got '!tile.ptr<f32>'}}
func.func @ptr_to_ptr(%p: !tile.ptr<!tile.ptr<f32>>)

// -----

// expected-error @+1 {{pointee must be an integer or floating-point type, got 'tensor<4xf32>'}}
func.func @ptr_to_tensor(%p: !tile.ptr<tensor<4xf32>>)

//===----------------------------------------------------------------------===//
// program_id / num_programs
//===----------------------------------------------------------------------===//

// -----

func.func @program_id_axis_too_large() -> i32 {
  // expected-error @+1 {{'tile.program_id' op attribute 'axis' failed to satisfy constraint: 32-bit signless integer attribute whose minimum value is 0 whose maximum value is 2}}
  %0 = tile.program_id 3 : i32
  return %0 : i32
}

// -----

func.func @program_id_axis_negative() -> i32 {
  // expected-error @+1 {{'tile.program_id' op attribute 'axis' failed to satisfy constraint}}
  %0 = tile.program_id -1 : i32
  return %0 : i32
}

// -----

func.func @program_id_not_i32() -> i64 {
  // expected-error @+1 {{'tile.program_id' op result #0 must be 32-bit signless integer, but got 'i64'}}
  %0 = "tile.program_id"() {axis = 0 : i32} : () -> i64
  return %0 : i64
}

// -----

func.func @num_programs_axis_too_large() -> i32 {
  // expected-error @+1 {{'tile.num_programs' op attribute 'axis' failed to satisfy constraint: 32-bit signless integer attribute whose minimum value is 0 whose maximum value is 2}}
  %0 = tile.num_programs 7 : i32
  return %0 : i32
}

// -----

func.func @num_programs_not_i32() -> index {
  // expected-error @+1 {{'tile.num_programs' op result #0 must be 32-bit signless integer, but got 'index'}}
  %0 = "tile.num_programs"() {axis = 0 : i32} : () -> index
  return %0 : index
}

//===----------------------------------------------------------------------===//
// make_range
//===----------------------------------------------------------------------===//

// -----

func.func @make_range_2d() {
  // expected-error @+1 {{'tile.make_range' op result must be a 1-D tile}}
  %0 = tile.make_range 0, 16 : tensor<4x4xi32>
  return
}

// -----

func.func @make_range_empty() {
  // expected-error @+1 {{'tile.make_range' op end (4) must be greater than start (4)}}
  %0 = tile.make_range 4, 4 : tensor<1xi32>
  return
}

// -----

func.func @make_range_reversed() {
  // expected-error @+1 {{'tile.make_range' op end (-8) must be greater than start (0)}}
  %0 = tile.make_range 0, -8 : tensor<8xi32>
  return
}

// -----

func.func @make_range_wrong_length() {
  // expected-error @+1 {{'tile.make_range' op result has 32 elements, expected end - start = 16}}
  %0 = tile.make_range 16, 32 : tensor<32xi32>
  return
}

// -----

func.func @make_range_not_power_of_two() {
  // expected-error @+1 {{'tile.make_range' op range length 12 is not a power of two}}
  %0 = tile.make_range 0, 12 : tensor<12xi32>
  return
}

// -----

func.func @make_range_not_i32() {
  // expected-error @+1 {{'tile.make_range' op result #0 must be statically shaped ranked tensor of 32-bit signless integer values, but got 'tensor<16xi64>'}}
  %0 = tile.make_range 0, 16 : tensor<16xi64>
  return
}

// -----

func.func @make_range_dynamic() {
  // expected-error @+1 {{'tile.make_range' op result #0 must be statically shaped ranked tensor of 32-bit signless integer values, but got 'tensor<?xi32>'}}
  %0 = tile.make_range 0, 16 : tensor<?xi32>
  return
}

//===----------------------------------------------------------------------===//
// splat
//===----------------------------------------------------------------------===//

// -----

func.func @splat_element_mismatch(%s: f32) {
  // expected-error @+1 {{'tile.splat' op failed to verify that result element type matches the scalar}}
  %0 = "tile.splat"(%s) : (f32) -> tensor<16xf16>
  return
}

// -----

func.func @splat_of_tile(%s: tensor<4xf32>) {
  // expected-error @+1 {{'tile.splat' op operand #0 must be floating-point or integer or tile pointer, but got 'tensor<4xf32>'}}
  %0 = "tile.splat"(%s) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @splat_to_scalar(%s: f32) {
  // expected-error @+1 {{'tile.splat' op result #0 must be statically shaped ranked tensor of floating-point or integer or tile pointer values, but got 'f32'}}
  %0 = "tile.splat"(%s) : (f32) -> f32
  return
}

// -----

func.func @splat_unsupported_element(%s: i7) {
  // expected-error @+1 {{'tile.splat' op operand #0 must be floating-point or integer or tile pointer, but got 'i7'}}
  %0 = "tile.splat"(%s) : (i7) -> tensor<4xi7>
  return
}

// -----

func.func @splat_index(%s: index) {
  // expected-error @+1 {{'tile.splat' op operand #0 must be floating-point or integer or tile pointer, but got 'index'}}
  %0 = "tile.splat"(%s) : (index) -> tensor<4xindex>
  return
}

// -----

func.func @splat_unranked(%s: f32) {
  // expected-error @+1 {{'tile.splat' op result #0 must be statically shaped ranked tensor of floating-point or integer or tile pointer values, but got 'tensor<*xf32>'}}
  %0 = "tile.splat"(%s) : (f32) -> tensor<*xf32>
  return
}

//===----------------------------------------------------------------------===//
// broadcast
//===----------------------------------------------------------------------===//

// -----

func.func @broadcast_rank(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.broadcast' op source rank 1 differs from result rank 2}}
  %0 = tile.broadcast %x : tensor<16xf32> -> tensor<16x16xf32>
  return
}

// -----

func.func @broadcast_size(%x: tensor<2x16xf32>) {
  // expected-error @+1 {{'tile.broadcast' op dimension 0 of size 2 cannot broadcast to 4}}
  %0 = tile.broadcast %x : tensor<2x16xf32> -> tensor<4x16xf32>
  return
}

// -----

func.func @broadcast_shrink(%x: tensor<1x16xf32>) {
  // expected-error @+1 {{'tile.broadcast' op dimension 1 of size 16 cannot broadcast to 1}}
  %0 = tile.broadcast %x : tensor<1x16xf32> -> tensor<8x1xf32>
  return
}

// -----

func.func @broadcast_element(%x: tensor<1x16xf32>) {
  // expected-error @+1 {{'tile.broadcast' op requires the same element type for all operands and results}}
  %0 = tile.broadcast %x : tensor<1x16xf32> -> tensor<8x16xf16>
  return
}

// -----

func.func @broadcast_dynamic(%x: tensor<1x?xf32>) {
  // expected-error @+1 {{'tile.broadcast' op operand #0 must be statically shaped ranked tensor of floating-point or integer or tile pointer values, but got 'tensor<1x?xf32>'}}
  %0 = tile.broadcast %x : tensor<1x?xf32> -> tensor<8x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// expand_dims
//===----------------------------------------------------------------------===//

// -----

func.func @expand_dims_axis(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.expand_dims' op axis 2 out of range for a rank-1 tile}}
  %0 = tile.expand_dims %x {axis = 2 : i32} : tensor<16xf32> -> tensor<16x1xf32>
  return
}

// -----

func.func @expand_dims_negative_axis(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.expand_dims' op axis -1 out of range for a rank-1 tile}}
  %0 = tile.expand_dims %x {axis = -1 : i32} : tensor<16xf32> -> tensor<16x1xf32>
  return
}

// -----

func.func @expand_dims_shape(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.expand_dims' op result shape must be the source shape with 1 inserted at axis 0}}
  %0 = tile.expand_dims %x {axis = 0 : i32} : tensor<16xf32> -> tensor<16x1xf32>
  return
}

// -----

func.func @expand_dims_element(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.expand_dims' op requires the same element type for all operands and results}}
  %0 = tile.expand_dims %x {axis = 0 : i32} : tensor<16xf32> -> tensor<1x16xi32>
  return
}

// -----

func.func @expand_dims_no_axis(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.expand_dims' op requires attribute 'axis'}}
  %0 = tile.expand_dims %x : tensor<16xf32> -> tensor<1x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

// -----

func.func @reshape_count(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.reshape' op cannot reshape 'tensor<16x32xf32>' (512 elements) to 'tensor<256xf32>' (256 elements)}}
  %0 = tile.reshape %x : tensor<16x32xf32> -> tensor<256xf32>
  return
}

// -----

func.func @reshape_element(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.reshape' op requires the same element type for all operands and results}}
  %0 = tile.reshape %x : tensor<16x32xf32> -> tensor<512xbf16>
  return
}

//===----------------------------------------------------------------------===//
// trans
//===----------------------------------------------------------------------===//

// -----

func.func @trans_order_size(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.trans' op order has 3 entries for a rank-2 tile}}
  %0 = tile.trans %x {order = array<i32: 2, 1, 0>} : tensor<16x32xf32> -> tensor<32x16xf32>
  return
}

// -----

func.func @trans_order_range(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.trans' op order must be a permutation of [0, 2)}}
  %0 = tile.trans %x {order = array<i32: 2, 0>} : tensor<16x32xf32> -> tensor<32x16xf32>
  return
}

// -----

func.func @trans_order_negative(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.trans' op order must be a permutation of [0, 2)}}
  %0 = tile.trans %x {order = array<i32: -1, 0>} : tensor<16x32xf32> -> tensor<32x16xf32>
  return
}

// -----

func.func @trans_order_repeated(%x: tensor<2x4x8xf32>) {
  // expected-error @+1 {{'tile.trans' op order must be a permutation of [0, 3)}}
  %0 = tile.trans %x {order = array<i32: 1, 1, 0>} : tensor<2x4x8xf32> -> tensor<4x4x2xf32>
  return
}

// -----

func.func @trans_result_rank(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.trans' op result rank 1 differs from source rank 2}}
  %0 = tile.trans %x {order = array<i32: 1, 0>} : tensor<16x32xf32> -> tensor<512xf32>
  return
}

// -----

func.func @trans_result_shape(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.trans' op result dimension 0 must equal source dimension 1}}
  %0 = tile.trans %x {order = array<i32: 1, 0>} : tensor<16x32xf32> -> tensor<16x32xf32>
  return
}

// -----

func.func @trans_element(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.trans' op requires the same element type for all operands and results}}
  %0 = tile.trans %x {order = array<i32: 1, 0>} : tensor<16x32xf32> -> tensor<32x16xf16>
  return
}

// -----

func.func @trans_no_order(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.trans' op requires attribute 'order'}}
  %0 = tile.trans %x : tensor<16x32xf32> -> tensor<32x16xf32>
  return
}

//===----------------------------------------------------------------------===//
// addptr
//===----------------------------------------------------------------------===//

// -----

func.func @addptr_shape(%p: tensor<16x!tile.ptr<f32>>, %o: tensor<32xi32>) {
  // expected-error @+1 {{'tile.addptr' op offset shape must match the pointer shape: 'tensor<32xi32>' vs 'tensor<16x!tile.ptr<f32>>'}}
  %0 = tile.addptr %p, %o : tensor<16x!tile.ptr<f32>>, tensor<32xi32>
  return
}

// -----

func.func @addptr_scalar_ptr_tile_offset(%p: !tile.ptr<f32>, %o: tensor<16xi32>) {
  // expected-error @+1 {{'tile.addptr' op offset shape must match the pointer shape: 'tensor<16xi32>' vs '!tile.ptr<f32>'}}
  %0 = tile.addptr %p, %o : !tile.ptr<f32>, tensor<16xi32>
  return
}

// -----

func.func @addptr_float_offset(%p: !tile.ptr<f32>, %o: f32) {
  // expected-error @+1 {{'tile.addptr' op operand #1 must be integer or statically shaped ranked tensor of integer values, but got 'f32'}}
  %0 = tile.addptr %p, %o : !tile.ptr<f32>, f32
  return
}

// -----

func.func @addptr_not_ptr(%p: i64, %o: i32) {
  // expected-error @+1 {{'tile.addptr' op operand #0 must be tile pointer or statically shaped ranked tensor of tile pointer values, but got 'i64'}}
  %0 = tile.addptr %p, %o : i64, i32
  return
}

// -----

func.func @addptr_result_type(%p: !tile.ptr<f32>, %o: i32) {
  // expected-error @+1 {{'tile.addptr' op failed to verify that all of {ptr, result} have same type}}
  %0 = "tile.addptr"(%p, %o) : (!tile.ptr<f32>, i32) -> !tile.ptr<f16>
  return
}

//===----------------------------------------------------------------------===//
// load
//===----------------------------------------------------------------------===//

// -----

func.func @load_other_without_mask(%p: tensor<16x!tile.ptr<f32>>, %o: tensor<16xf32>) {
  // expected-error @+1 {{'tile.load' op 'other' requires a mask}}
  %0 = "tile.load"(%p, %o) {operandSegmentSizes = array<i32: 1, 0, 1>} : (tensor<16x!tile.ptr<f32>>, tensor<16xf32>) -> tensor<16xf32>
  return
}

// -----

func.func @load_mask_shape(%p: tensor<16x!tile.ptr<f32>>, %m: tensor<32xi1>) {
  // expected-error @+1 {{'tile.load' op failed to verify that mask has the shape of ptr}}
  %0 = "tile.load"(%p, %m) {operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<16x!tile.ptr<f32>>, tensor<32xi1>) -> tensor<16xf32>
  return
}

// -----

func.func @load_scalar_mask_for_tile(%p: tensor<16x!tile.ptr<f32>>, %m: i1) {
  // expected-error @+1 {{'tile.load' op failed to verify that mask has the shape of ptr}}
  %0 = "tile.load"(%p, %m) {operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<16x!tile.ptr<f32>>, i1) -> tensor<16xf32>
  return
}

// -----

func.func @load_mask_not_bool(%p: tensor<16x!tile.ptr<f32>>, %m: tensor<16xi8>) {
  // expected-error @+1 {{'tile.load' op operand #1 must be 1-bit signless integer or statically shaped ranked tensor of 1-bit signless integer values, but got 'tensor<16xi8>'}}
  %0 = "tile.load"(%p, %m) {operandSegmentSizes = array<i32: 1, 1, 0>} : (tensor<16x!tile.ptr<f32>>, tensor<16xi8>) -> tensor<16xf32>
  return
}

// -----

func.func @load_other_type(%p: tensor<16x!tile.ptr<f32>>, %m: tensor<16xi1>, %o: tensor<16xf16>) {
  // expected-error @+1 {{'tile.load' op failed to verify that other has the type of the result}}
  %0 = "tile.load"(%p, %m, %o) {operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<16x!tile.ptr<f32>>, tensor<16xi1>, tensor<16xf16>) -> tensor<16xf32>
  return
}

// -----

func.func @load_result_type(%p: tensor<16x!tile.ptr<f32>>) {
  // expected-error @+1 {{'tile.load' op failed to verify that result type is the pointee type of ptr}}
  %0 = "tile.load"(%p) {operandSegmentSizes = array<i32: 1, 0, 0>} : (tensor<16x!tile.ptr<f32>>) -> tensor<16xbf16>
  return
}

// -----

func.func @load_not_ptr(%p: tensor<16xi64>) {
  // expected-error @+1 {{custom op 'tile.load' 'ptr' must be tile pointer or statically shaped ranked tensor of tile pointer values, but got 'tensor<16xi64>'}}
  %0 = tile.load %p : tensor<16xi64>
  return
}

// -----

func.func @load_unsupported_pointee(%p: !tile.ptr<i7>) {
  // expected-error @+1 {{'tile.load' op result #0 must be floating-point or integer or statically shaped ranked tensor of floating-point or integer values, but got 'i7'}}
  %0 = tile.load %p : !tile.ptr<i7>
  return
}

//===----------------------------------------------------------------------===//
// store
//===----------------------------------------------------------------------===//

// -----

func.func @store_value_type(%p: tensor<16x!tile.ptr<bf16>>, %v: tensor<16xf32>) {
  // expected-error @+1 {{'tile.store' op failed to verify that value type is the pointee type of ptr}}
  "tile.store"(%p, %v) : (tensor<16x!tile.ptr<bf16>>, tensor<16xf32>) -> ()
  return
}

// -----

func.func @store_value_shape(%p: tensor<16x!tile.ptr<f32>>, %v: tensor<32xf32>) {
  // expected-error @+1 {{'tile.store' op failed to verify that value type is the pointee type of ptr}}
  "tile.store"(%p, %v) : (tensor<16x!tile.ptr<f32>>, tensor<32xf32>) -> ()
  return
}

// -----

func.func @store_mask_shape(%p: tensor<16x!tile.ptr<f32>>, %v: tensor<16xf32>, %m: tensor<8xi1>) {
  // expected-error @+1 {{'tile.store' op failed to verify that mask has the shape of ptr}}
  "tile.store"(%p, %v, %m) : (tensor<16x!tile.ptr<f32>>, tensor<16xf32>, tensor<8xi1>) -> ()
  return
}

// -----

func.func @store_pointer_value(%p: !tile.ptr<f32>, %v: !tile.ptr<f32>) {
  // expected-error @+1 {{'tile.store' op operand #1 must be floating-point or integer or statically shaped ranked tensor of floating-point or integer values, but got '!tile.ptr<f32>'}}
  "tile.store"(%p, %v) : (!tile.ptr<f32>, !tile.ptr<f32>) -> ()
  return
}

//===----------------------------------------------------------------------===//
// atomic_rmw
//===----------------------------------------------------------------------===//

// -----

func.func @atomic_half_max(%p: !tile.ptr<f16>, %v: f16) {
  // expected-error @+1 {{'tile.atomic_rmw' op 16-bit float atomics support only add, got max on 'f16'}}
  %0 = tile.atomic_rmw max %p, %v : !tile.ptr<f16>
  return
}

// -----

func.func @atomic_bfloat_xchg(%p: tensor<8x!tile.ptr<bf16>>, %v: tensor<8xbf16>) {
  // expected-error @+1 {{'tile.atomic_rmw' op 16-bit float atomics support only add, got xchg on 'bf16'}}
  %0 = tile.atomic_rmw xchg %p, %v : tensor<8x!tile.ptr<bf16>>
  return
}

// -----

func.func @atomic_fp8_add(%p: !tile.ptr<f8E4M3FN>, %v: f8E4M3FN) {
  // expected-error @+1 {{'tile.atomic_rmw' op atomics need 32- or 64-bit integers or floats, got 'f8E4M3FN'}}
  %0 = tile.atomic_rmw add %p, %v : !tile.ptr<f8E4M3FN>
  return
}

// -----

func.func @atomic_unknown_sem(%p: !tile.ptr<i32>, %v: i32) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'sem' [relaxed, acquire, release, acq_rel]}}
  %0 = tile.atomic_rmw add %p, %v sem = seq_cst : !tile.ptr<i32>
  return
}

// -----

func.func @atomic_unknown_scope(%p: !tile.ptr<i32>, %v: i32) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'scope' [cta, gpu, sys]}}
  %0 = tile.atomic_rmw add %p, %v scope = cluster : !tile.ptr<i32>
  return
}

//===----------------------------------------------------------------------===//
// atomic_cas
//===----------------------------------------------------------------------===//

// -----

func.func @cas_i16(%p: !tile.ptr<i16>, %v: i16) {
  // expected-error @+1 {{'tile.atomic_cas' op compare-and-swap needs 32- or 64-bit integers or floats, got 'i16'}}
  %0 = tile.atomic_cas %p, %v, %v : !tile.ptr<i16>
  return
}

// -----

func.func @cas_value_type(%p: !tile.ptr<i32>, %c: i32, %v: i64) {
  // expected-error @+1 {{'tile.atomic_cas' op failed to verify that val type is the pointee type of ptr}}
  %0 = "tile.atomic_cas"(%p, %c, %v) : (!tile.ptr<i32>, i32, i64) -> i32
  return
}

// -----

func.func @cas_cmp_shape(%p: tensor<4x!tile.ptr<i32>>, %c: i32, %v: tensor<4xi32>) {
  // expected-error @+1 {{'tile.atomic_cas' op failed to verify that cmp type is the pointee type of ptr}}
  %0 = "tile.atomic_cas"(%p, %c, %v) : (tensor<4x!tile.ptr<i32>>, i32, tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

func.func @atomic_i16(%p: !tile.ptr<i16>, %v: i16) {
  // expected-error @+1 {{'tile.atomic_rmw' op atomics need 32- or 64-bit integers or floats, got 'i16'}}
  %0 = tile.atomic_rmw add %p, %v : !tile.ptr<i16>
  return
}

// -----

func.func @atomic_i8(%p: tensor<4x!tile.ptr<i8>>, %v: tensor<4xi8>) {
  // expected-error @+1 {{'tile.atomic_rmw' op atomics need 32- or 64-bit integers or floats, got 'i8'}}
  %0 = tile.atomic_rmw xchg %p, %v : tensor<4x!tile.ptr<i8>>
  return
}

// -----

func.func @atomic_i1(%p: !tile.ptr<i1>, %v: i1) {
  // expected-error @+1 {{'tile.atomic_rmw' op atomics need 32- or 64-bit integers or floats, got 'i1'}}
  %0 = tile.atomic_rmw max %p, %v : !tile.ptr<i1>
  return
}

// -----

func.func @atomic_value_type(%p: !tile.ptr<i32>, %v: i64) {
  // expected-error @+1 {{'tile.atomic_rmw' op failed to verify that value type is the pointee type of ptr}}
  %0 = "tile.atomic_rmw"(%p, %v) {kind = 0 : i32} : (!tile.ptr<i32>, i64) -> i32
  return
}

// -----

func.func @atomic_result_type(%p: !tile.ptr<i32>, %v: i32) {
  // expected-error @+1 {{'tile.atomic_rmw' op failed to verify that result type is the pointee type of ptr}}
  %0 = "tile.atomic_rmw"(%p, %v) {kind = 0 : i32} : (!tile.ptr<i32>, i32) -> i64
  return
}

// -----

func.func @atomic_mask_shape(%p: tensor<4x!tile.ptr<i32>>, %v: tensor<4xi32>, %m: i1) {
  // expected-error @+1 {{'tile.atomic_rmw' op failed to verify that mask has the shape of ptr}}
  %0 = "tile.atomic_rmw"(%p, %v, %m) {kind = 0 : i32} : (tensor<4x!tile.ptr<i32>>, tensor<4xi32>, i1) -> tensor<4xi32>
  return
}

// -----

func.func @atomic_unknown_kind(%p: !tile.ptr<i32>, %v: i32) {
  // expected-error @+1 {{custom op 'tile.atomic_rmw' expected string or keyword containing one of the following enum values for attribute 'kind' [add, max, min, xchg]}}
  %0 = tile.atomic_rmw sub %p, %v : !tile.ptr<i32>
  return
}

// -----

func.func @atomic_kind_out_of_range(%p: !tile.ptr<i32>, %v: i32) {
  // expected-error @+1 {{'tile.atomic_rmw' op attribute 'kind' failed to satisfy constraint: the read-modify-write an atomic performs}}
  %0 = "tile.atomic_rmw"(%p, %v) {kind = 9 : i32} : (!tile.ptr<i32>, i32) -> i32
  return
}

//===----------------------------------------------------------------------===//
// dot
//===----------------------------------------------------------------------===//

// -----

func.func @dot_rank(%a: tensor<16xbf16>, %b: tensor<16x16xbf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{'tile.dot' op operands must be 2-D tiles}}
  %0 = tile.dot %a, %b, %c : tensor<16xbf16>, tensor<16x16xbf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_rank3(%a: tensor<2x16x16xbf16>, %b: tensor<16x16xbf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{'tile.dot' op operands must be 2-D tiles}}
  %0 = tile.dot %a, %b, %c : tensor<2x16x16xbf16>, tensor<16x16xbf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_inner(%a: tensor<16x32xbf16>, %b: tensor<16x16xbf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{'tile.dot' op inner dimensions differ: a is 16x32, b is 16x16}}
  %0 = tile.dot %a, %b, %c : tensor<16x32xbf16>, tensor<16x16xbf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_acc_shape(%a: tensor<16x32xbf16>, %b: tensor<32x64xbf16>, %c: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.dot' op accumulator must be 16x64}}
  %0 = tile.dot %a, %b, %c : tensor<16x32xbf16>, tensor<32x64xbf16> -> tensor<16x32xf32>
  return
}

// -----

func.func @dot_operand_types(%a: tensor<16x16xbf16>, %b: tensor<16x16xf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{'tile.dot' op operand element types differ: 'bf16' vs 'f16'}}
  %0 = tile.dot %a, %b, %c : tensor<16x16xbf16>, tensor<16x16xf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_float_acc(%a: tensor<16x16xbf16>, %c: tensor<16x16xf16>) {
  // expected-error @+1 {{'tile.dot' op cannot accumulate 'bf16' products in 'f16'}}
  %0 = tile.dot %a, %a, %c : tensor<16x16xbf16>, tensor<16x16xbf16> -> tensor<16x16xf16>
  return
}

// -----

func.func @dot_float_int_acc(%a: tensor<16x16xf16>, %c: tensor<16x16xi32>) {
  // expected-error @+1 {{'tile.dot' op cannot accumulate 'f16' products in 'i32'}}
  %0 = tile.dot %a, %a, %c : tensor<16x16xf16>, tensor<16x16xf16> -> tensor<16x16xi32>
  return
}

// -----

func.func @dot_i8_acc(%a: tensor<16x16xi8>, %c: tensor<16x16xi64>) {
  // expected-error @+1 {{'tile.dot' op cannot accumulate 'i8' products in 'i64'}}
  %0 = tile.dot %a, %a, %c : tensor<16x16xi8>, tensor<16x16xi8> -> tensor<16x16xi64>
  return
}

// -----

func.func @dot_i32_operands(%a: tensor<16x16xi32>, %c: tensor<16x16xi32>) {
  // expected-error @+1 {{'tile.dot' op cannot accumulate 'i32' products in 'i32'}}
  %0 = tile.dot %a, %a, %c : tensor<16x16xi32>, tensor<16x16xi32> -> tensor<16x16xi32>
  return
}

// -----

func.func @dot_result_type(%a: tensor<16x16xbf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{'tile.dot' op failed to verify that all of {acc, result} have same type}}
  %0 = "tile.dot"(%a, %a, %c) : (tensor<16x16xbf16>, tensor<16x16xbf16>, tensor<16x16xf32>) -> tensor<16x16xf16>
  return
}

// -----

func.func @dot_scalar(%a: f32) {
  // expected-error @+1 {{'tile.dot' op operand #0 must be statically shaped ranked tensor of floating-point or integer or tile pointer values, but got 'f32'}}
  %0 = "tile.dot"(%a, %a, %a) : (f32, f32, f32) -> f32
  return
}

//===----------------------------------------------------------------------===//
// reduce
//===----------------------------------------------------------------------===//

// -----

func.func @reduce_axis(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.reduce' op axis 2 out of range for a rank-2 tile}}
  %0 = tile.reduce sum %x {axis = 2 : i32} : tensor<16x32xf32> -> tensor<16xf32>
  return
}

// -----

func.func @reduce_negative_axis(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.reduce' op axis -1 out of range for a rank-2 tile}}
  %0 = tile.reduce sum %x {axis = -1 : i32} : tensor<16x32xf32> -> tensor<16xf32>
  return
}

// -----

func.func @reduce_result_shape(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.reduce' op result type must be 'tensor<32xf32>'}}
  %0 = tile.reduce max %x {axis = 0 : i32} : tensor<16x32xf32> -> tensor<16xf32>
  return
}

// -----

func.func @reduce_1d_to_tile(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.reduce' op result type must be 'f32'}}
  %0 = tile.reduce max %x {axis = 0 : i32} : tensor<16xf32> -> tensor<1xf32>
  return
}

// -----

func.func @reduce_result_element(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.reduce' op result type must be 'f32'}}
  %0 = tile.reduce sum %x {axis = 0 : i32} : tensor<16xf32> -> f16
  return
}

// -----

func.func @reduce_sum_i1(%x: tensor<16xi1>) {
  // expected-error @+1 {{'tile.reduce' op cannot sum i1 values}}
  %0 = tile.reduce sum %x {axis = 0 : i32} : tensor<16xi1> -> i1
  return
}

// -----

func.func @reduce_pointers(%x: tensor<16x!tile.ptr<f32>>) {
  // expected-error @+1 {{'tile.reduce' op result #0 must be floating-point or integer or statically shaped ranked tensor of floating-point or integer values, but got '!tile.ptr<f32>'}}
  %0 = tile.reduce max %x {axis = 0 : i32} : tensor<16x!tile.ptr<f32>> -> !tile.ptr<f32>
  return
}

// -----

func.func @reduce_unknown_kind(%x: tensor<16xf32>) {
  // expected-error @+1 {{custom op 'tile.reduce' expected string or keyword containing one of the following enum values for attribute 'kind' [sum, max, min, prod]}}
  %0 = tile.reduce mean %x {axis = 0 : i32} : tensor<16xf32> -> f32
  return
}

//===----------------------------------------------------------------------===//
// scan
//===----------------------------------------------------------------------===//

// -----

func.func @scan_axis(%x: tensor<16x32xf32>) {
  // expected-error @+1 {{'tile.scan' op axis 2 out of range for a rank-2 tile}}
  %0 = tile.scan sum %x {axis = 2 : i32} : tensor<16x32xf32>
  return
}

// -----

func.func @scan_negative_axis(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.scan' op axis -1 out of range for a rank-1 tile}}
  %0 = tile.scan sum %x {axis = -1 : i32} : tensor<16xf32>
  return
}

// -----

func.func @scan_rank0(%x: tensor<f32>) {
  // expected-error @+1 {{'tile.scan' op axis 0 out of range for a rank-0 tile}}
  %0 = tile.scan sum %x {axis = 0 : i32} : tensor<f32>
  return
}

// -----

func.func @scan_pointers(%x: tensor<16x!tile.ptr<f32>>) {
  // expected-error @+1 {{'tile.scan' op cannot scan pointers}}
  %0 = tile.scan sum %x {axis = 0 : i32} : tensor<16x!tile.ptr<f32>>
  return
}

// -----

func.func @scan_result_type(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.scan' op requires the same type for all operands and results}}
  %0 = "tile.scan"(%x) {kind = 0 : i32, axis = 0 : i32} : (tensor<16xf32>) -> tensor<16xf16>
  return
}

// -----

func.func @scan_reverse_not_bool(%x: tensor<16xf32>) {
  // expected-error @+1 {{'tile.scan' op attribute 'reverse' failed to satisfy constraint: bool attribute}}
  %0 = tile.scan sum %x {axis = 0 : i32, reverse = 1 : i32} : tensor<16xf32>
  return
}

//===----------------------------------------------------------------------===//
// dot input_precision
//===----------------------------------------------------------------------===//

// -----

func.func @dot_tf32_on_bf16(%a: tensor<16x16xbf16>, %c: tensor<16x16xf32>) {
  // expected-error @+1 {{'tile.dot' op input_precision tf32 applies to f32 operands only, not 'bf16'}}
  %0 = tile.dot %a, %a, %c input_precision = tf32 : tensor<16x16xbf16>, tensor<16x16xbf16> -> tensor<16x16xf32>
  return
}

// -----

func.func @dot_fp8_acc(%a: tensor<16x16xf8E5M2>, %c: tensor<16x16xf16>) {
  // expected-error @+1 {{'tile.dot' op cannot accumulate 'f8E5M2' products in 'f16'}}
  %0 = tile.dot %a, %a, %c : tensor<16x16xf8E5M2>, tensor<16x16xf8E5M2> -> tensor<16x16xf16>
  return
}

//===----------------------------------------------------------------------===//
// join / split
//===----------------------------------------------------------------------===//

// -----

func.func @join_types(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'tile.join' op requires all operands to have the same type}}
  %0 = "tile.join"(%a, %b) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4x2xf32>
  return
}

// -----

func.func @join_result(%a: tensor<4xf32>) {
  // expected-error @+1 {{'tile.join' op result must be 'tensor<4x2xf32>'}}
  %0 = tile.join %a, %a : tensor<4xf32> -> tensor<2x4xf32>
  return
}

// -----

func.func @split_last_dim(%a: tensor<4x4xf32>) {
  // expected-error @+1 {{'tile.split' op source must have rank 2 or more and a last dimension of 2, got 'tensor<4x4xf32>'}}
  %0:2 = tile.split %a : tensor<4x4xf32> -> tensor<4xf32>
  return
}

// -----

func.func @split_rank1(%a: tensor<2xf32>) {
  // expected-error @+1 {{'tile.split' op source must have rank 2 or more and a last dimension of 2, got 'tensor<2xf32>'}}
  %0:2 = "tile.split"(%a) : (tensor<2xf32>) -> (tensor<f32>, tensor<f32>)
  return
}

// -----

func.func @split_results(%a: tensor<4x2xf32>) {
  // expected-error @+1 {{'tile.split' op results must be 'tensor<4xf32>'}}
  %0:2 = tile.split %a : tensor<4x2xf32> -> tensor<2xf32>
  return
}

//===----------------------------------------------------------------------===//
// assume / assert
//===----------------------------------------------------------------------===//

// -----

func.func @assume_nothing(%a: i32) {
  // expected-error @+1 {{'tile.assume' op needs divisibility or contiguity}}
  %0 = tile.assume %a : i32
  return
}

// -----

func.func @assume_entries(%a: tensor<4x8xi32>) {
  // expected-error @+1 {{'tile.assume' op divisibility has 1 entries, expected 2}}
  %0 = tile.assume %a {divisibility = array<i64: 16>} : tensor<4x8xi32>
  return
}

// -----

func.func @assume_positive(%a: i64) {
  // expected-error @+1 {{'tile.assume' op divisibility entries must be positive, got 0}}
  %0 = tile.assume %a {divisibility = array<i64: 0>} : i64
  return
}

// -----

func.func @assume_contiguity(%a: tensor<4x8xi32>) {
  // expected-error @+1 {{'tile.assume' op contiguity 16 exceeds dimension 1 of size 8}}
  %0 = tile.assume %a {contiguity = array<i64: 1, 16>} : tensor<4x8xi32>
  return
}

// -----

func.func @assume_float(%a: f32) {
  // expected-error @+1 {{'tile.assume' op operand #0 must be}}
  %0 = tile.assume %a {divisibility = array<i64: 16>} : f32
  return
}

// -----

func.func @assert_int(%a: i32) {
  // expected-error @+1 {{'tile.assert' op operand #0 must be}}
  tile.assert %a, "x" : i32
  return
}

//===----------------------------------------------------------------------===//
// block pointers
//===----------------------------------------------------------------------===//

// -----

// expected-error @+1 {{block must have a static shape of rank 1 or more, got 'tensor<?x4xf32>'}}
func.func @block_dynamic(%p: !tile.block_ptr<tensor<?x4xf32>>)

// -----

// expected-error @+1 {{block elements must be integers or floats, got 'index'}}
func.func @block_index(%p: !tile.block_ptr<tensor<4xindex>>)

// -----

func.func @make_block_ptr_counts(%b: !tile.ptr<f32>, %n: i64, %o: i32) {
  // expected-error @+1 {{'tile.make_block_ptr' op strides has 1 entries for a rank-2 block}}
  %0 = tile.make_block_ptr %b, [%n, %n], [%n], [%o, %o] {order = array<i32: 1, 0>} : !tile.block_ptr<tensor<4x4xf32>>
  return
}

// -----

func.func @make_block_ptr_order(%b: !tile.ptr<f32>, %n: i64, %o: i32) {
  // expected-error @+1 {{'tile.make_block_ptr' op order must be a permutation of [0, 2)}}
  %0 = tile.make_block_ptr %b, [%n, %n], [%n, %n], [%o, %o] {order = array<i32: 1, 1>} : !tile.block_ptr<tensor<4x4xf32>>
  return
}

// -----

func.func @make_block_ptr_base(%b: !tile.ptr<f16>, %n: i64, %o: i32) {
  // expected-error @+1 {{'tile.make_block_ptr' op failed to verify that base points to the block's element type}}
  %0 = "tile.make_block_ptr"(%b, %n, %n, %o) {order = array<i32: 0>, operandSegmentSizes = array<i32: 1, 1, 1, 1>} : (!tile.ptr<f16>, i64, i64, i32) -> !tile.block_ptr<tensor<4xf32>>
  return
}

// -----

func.func @advance_count(%p: !tile.block_ptr<tensor<4x4xf32>>, %o: i32) {
  // expected-error @+1 {{'tile.advance' op has 1 offsets for a rank-2 block}}
  %0 = tile.advance %p, [%o] : !tile.block_ptr<tensor<4x4xf32>>
  return
}

// -----

func.func @block_load_check(%p: !tile.block_ptr<tensor<4x4xf32>>) {
  // expected-error @+1 {{'tile.block_load' op boundary_check dimension 2 out of range for a rank-2 block}}
  %0 = tile.block_load %p boundary_check = [2] : !tile.block_ptr<tensor<4x4xf32>>
  return
}

// -----

func.func @block_load_order(%p: !tile.block_ptr<tensor<4x4xf32>>) {
  // expected-error @+1 {{'tile.block_load' op boundary_check dimensions must be increasing}}
  %0 = tile.block_load %p boundary_check = [1, 0] : !tile.block_ptr<tensor<4x4xf32>>
  return
}

// -----

func.func @block_load_nan_int(%p: !tile.block_ptr<tensor<4xi32>>) {
  // expected-error @+1 {{'tile.block_load' op padding nan needs floating-point elements, got 'i32'}}
  %0 = tile.block_load %p boundary_check = [0] padding = nan : !tile.block_ptr<tensor<4xi32>>
  return
}

// -----

func.func @block_store_type(%p: !tile.block_ptr<tensor<4xf32>>, %v: tensor<4xf16>) {
  // expected-error @+1 {{'tile.block_store' op failed to verify that value type is the block type of ptr}}
  "tile.block_store"(%p, %v) : (!tile.block_ptr<tensor<4xf32>>, tensor<4xf16>) -> ()
  return
}

// -----

func.func @tensor_desc_operand(%p: !tile.ptr<f32>, %n: i32) {
  %s = arith.addi %n, %n : i32
  %one = arith.constant 1 : i64
  // expected-error @+1 {{'tile.make_tensor_desc' op operands must be kernel parameters or constants}}
  %d = tile.make_tensor_desc %p, [%s, %n], [%n, %one] : [i32, i32], [i32, i64] -> !tile.tensor_desc<tensor<16x16xf32>>
  return
}

// -----

func.func @tensor_desc_inner_stride(%p: !tile.ptr<f32>, %n: i32) {
  // expected-error @+1 {{'tile.make_tensor_desc' op the innermost stride must be the constant 1}}
  %d = tile.make_tensor_desc %p, [%n, %n], [%n, %n] : [i32, i32], [i32, i32] -> !tile.tensor_desc<tensor<16x16xf32>>
  return
}

// -----

// expected-error @+1 {{block dimensions must be at most 256, got 'tensor<512x16xf32>'}}
func.func @tensor_desc_box(%d: !tile.tensor_desc<tensor<512x16xf32>>) {
  return
}

// -----

// expected-error @+1 {{the block's innermost dimension must span a multiple of 16 bytes, got 'tensor<16x2xf32>'}}
func.func @tensor_desc_inner_bytes(%d: !tile.tensor_desc<tensor<16x2xf32>>) {
  return
}

// -----

func.func @descriptor_load_offsets(%p: !tile.ptr<f32>, %n: i32, %o: i32) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n], [%n, %one] : [i32, i32], [i32, i64] -> !tile.tensor_desc<tensor<16x16xf32>>
  // expected-error @+1 {{'tile.descriptor_load' op has 1 offsets for a rank-2 block}}
  %t = tile.descriptor_load %d[%o] : !tile.tensor_desc<tensor<16x16xf32>> -> tensor<16x16xf32>
  return
}

// -----

func.func @descriptor_load_type(%p: !tile.ptr<f32>, %n: i32, %o: i32) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n], [%n, %one] : [i32, i32], [i32, i64] -> !tile.tensor_desc<tensor<16x16xf32>>
  // expected-error @+1 {{result type must be the descriptor's block type 'tensor<16x16xf32>' (with a layout or not), or that block with leading unit dimensions dropped, got 'tensor<16x8xf32>'}}
  %t = tile.descriptor_load %d[%o, %o] : !tile.tensor_desc<tensor<16x16xf32>> -> tensor<16x8xf32>
  return
}

// -----

// Only leading dimensions of 1 may be dropped: not a 2 ...
func.func @descriptor_load_drop_non_unit(%p: !tile.ptr<f32>, %n: i32, %o: i32) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n, %n], [%n, %n, %one] : [i32, i32, i32], [i32, i32, i64] -> !tile.tensor_desc<tensor<2x16x16xf32>>
  // expected-error @+1 {{or that block with leading unit dimensions dropped, got 'tensor<16x16xf32>'}}
  %t = tile.descriptor_load %d[%o, %o, %o] : !tile.tensor_desc<tensor<2x16x16xf32>> -> tensor<16x16xf32>
  return
}

// -----

// ... nor a unit dimension in the middle ...
func.func @descriptor_load_drop_inner_unit(%p: !tile.ptr<f32>, %n: i32, %o: i32) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n, %n], [%n, %n, %one] : [i32, i32, i32], [i32, i32, i64] -> !tile.tensor_desc<tensor<16x1x16xf32>>
  // expected-error @+1 {{or that block with leading unit dimensions dropped, got 'tensor<16x16xf32>'}}
  %t = tile.descriptor_load %d[%o, %o, %o] : !tile.tensor_desc<tensor<16x1x16xf32>> -> tensor<16x16xf32>
  return
}

// -----

// ... nor every dimension (a tile has rank 1 at least).
func.func @descriptor_load_drop_all(%p: !tile.ptr<f32>, %n: i32, %o: i32) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n], [%n, %one] : [i32, i32], [i32, i64] -> !tile.tensor_desc<tensor<1x4xf32>>
  // expected-error @+1 {{or that block with leading unit dimensions dropped, got 'tensor<f32>'}}
  %t = tile.descriptor_load %d[%o, %o] : !tile.tensor_desc<tensor<1x4xf32>> -> tensor<f32>
  return
}

// -----

func.func @descriptor_store_offsets(%p: !tile.ptr<f32>, %n: i32, %o: i32, %v: tensor<16x16xf32>) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n], [%n, %one] : [i32, i32], [i32, i64] -> !tile.tensor_desc<tensor<16x16xf32>>
  // expected-error @+1 {{'tile.descriptor_store' op has 3 offsets for a rank-2 block}}
  tile.descriptor_store %d[%o, %o, %o], %v : !tile.tensor_desc<tensor<16x16xf32>>, tensor<16x16xf32>
  return
}

// -----

func.func @descriptor_store_shape(%p: !tile.ptr<f32>, %n: i32, %o: i32, %v: tensor<16x8xf32>) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n], [%n, %one] : [i32, i32], [i32, i64] -> !tile.tensor_desc<tensor<16x16xf32>>
  // expected-error @+1 {{'tile.descriptor_store' op value type must be the descriptor's block type 'tensor<16x16xf32>' (with a layout or not), or that block with leading unit dimensions dropped, got 'tensor<16x8xf32>'}}
  tile.descriptor_store %d[%o, %o], %v : !tile.tensor_desc<tensor<16x16xf32>>, tensor<16x8xf32>
  return
}

// -----

// The element type must be the descriptor's: no implicit conversion.
func.func @descriptor_store_element(%p: !tile.ptr<bf16>, %n: i32, %o: i32, %v: tensor<16x16xf32>) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n], [%n, %one] : [i32, i32], [i32, i64] -> !tile.tensor_desc<tensor<16x16xbf16>>
  // expected-error @+1 {{'tile.descriptor_store' op value element type must be the descriptor's 'bf16', got 'f32'}}
  tile.descriptor_store %d[%o, %o], %v : !tile.tensor_desc<tensor<16x16xbf16>>, tensor<16x16xf32>
  return
}

// -----

// Only leading unit dimensions may be dropped.
func.func @descriptor_store_drop_non_unit(%p: !tile.ptr<f32>, %n: i32, %o: i32, %v: tensor<16x16xf32>) {
  %one = arith.constant 1 : i64
  %d = tile.make_tensor_desc %p, [%n, %n, %n], [%n, %n, %one] : [i32, i32, i32], [i32, i32, i64] -> !tile.tensor_desc<tensor<2x16x16xf32>>
  // expected-error @+1 {{or that block with leading unit dimensions dropped, got 'tensor<16x16xf32>'}}
  tile.descriptor_store %d[%o, %o, %o], %v : !tile.tensor_desc<tensor<2x16x16xf32>>, tensor<16x16xf32>
  return
}

// -----

func.func @descriptor_store_not_made(%d: !tile.tensor_desc<tensor<16x16xf32>>, %o: i32, %v: tensor<16x16xf32>) {
  // expected-error @+1 {{'tile.descriptor_store' op descriptor must come from tile.make_tensor_desc}}
  tile.descriptor_store %d[%o, %o], %v : !tile.tensor_desc<tensor<16x16xf32>>, tensor<16x16xf32>
  return
}

// RUN: lacc-opt %s --tilegpu-print-axis-info -verify-diagnostics

func.func @k(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %n: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %pid = tile.program_id 0 : i32
  %c256 = arith.constant 256 : i32
  %start = arith.muli %pid, %c256 : i32
  // expected-remark @+1 {{contiguity = [256], divisibility = [1073741824], constancy = [1]}}
  %r = tile.make_range 0, 256 {test.axis} : tensor<256xi32>
  // expected-remark @+1 {{contiguity = [1], divisibility = [256], constancy = [256]}}
  %s = tile.splat %start {test.axis} : tensor<256xi32>
  // expected-remark @+1 {{contiguity = [256], divisibility = [256], constancy = [1]}}
  %o = arith.addi %s, %r {test.axis} : tensor<256xi32>
  %ns = tile.splat %n : tensor<256xi32>
  // expected-remark @+1 {{contiguity = [1], divisibility = [1], constancy = [16]}}
  %m = arith.cmpi slt, %o, %ns {test.axis} : tensor<256xi32>
  %ps = tile.splat %p : tensor<256x!tile.ptr<f32>>
  // expected-remark @+1 {{contiguity = [256], divisibility = [16], constancy = [1]}}
  %pp = tile.addptr %ps, %o {test.axis} : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  // expected-remark @+1 {{contiguity = [16], divisibility = [16], constancy = [1]}}
  %q = arith.remsi %o, %ns {test.axis} : tensor<256xi32>
  // 2-D: rows * 64 + cols
  %r64 = tile.make_range 0, 64 : tensor<64xi32>
  %re = tile.expand_dims %r64 {axis = 1 : i32} : tensor<64xi32> -> tensor<64x1xi32>
  %c64 = arith.constant dense<64> : tensor<64x1xi32>
  %rm = arith.muli %re, %c64 : tensor<64x1xi32>
  %rb = tile.broadcast %rm : tensor<64x1xi32> -> tensor<64x64xi32>
  %ce = tile.expand_dims %r64 {axis = 0 : i32} : tensor<64xi32> -> tensor<1x64xi32>
  %cb = tile.broadcast %ce : tensor<1x64xi32> -> tensor<64x64xi32>
  // expected-remark @+1 {{contiguity = [1, 64], divisibility = [1, 64], constancy = [1, 1]}}
  %off = arith.addi %rb, %cb {test.axis} : tensor<64x64xi32>
  return
}

// tile.assume (multiple_of, max_contiguous) adds the user's promises to what is proved: the
// largest power of two dividing the promised divisibility, and the longer contiguity.
func.func @hints(%p: !tile.ptr<f32>, %n: i32) attributes {tile.kernel} {
  // expected-remark @+1 {{contiguity = [1], divisibility = [8], constancy = [1]}}
  %n8 = tile.assume %n {divisibility = array<i64: 24>, test.axis} : i32
  // expected-remark @+1 {{contiguity = [1], divisibility = [16], constancy = [1]}}
  %p16 = tile.assume %p {divisibility = array<i64: 16>, test.axis} : !tile.ptr<f32>
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %s = tile.splat %n : tensor<256xi32>
  // expected-remark @+1 {{contiguity = [1], divisibility = [1], constancy = [1]}}
  %x = arith.xori %s, %r {test.axis} : tensor<256xi32>
  // expected-remark @+1 {{contiguity = [4], divisibility = [16], constancy = [1]}}
  %h = tile.assume %x {contiguity = array<i64: 4>, divisibility = array<i64: 16>, test.axis} : tensor<256xi32>
  // A promise never weakens what is proved.
  // expected-remark @+1 {{contiguity = [256], divisibility = [1073741824], constancy = [1]}}
  %w = tile.assume %r {contiguity = array<i64: 2>, divisibility = array<i64: 2>, test.axis} : tensor<256xi32>
  %ps = tile.splat %p16 : tensor<256x!tile.ptr<f32>>
  // expected-remark @+1 {{contiguity = [4], divisibility = [16], constancy = [1]}}
  %pp = tile.addptr %ps, %h {test.axis} : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  return
}

// A reshape that inserts unit dimensions (block pointers spread their index lines so) keeps
// the runs of the other dimensions; the bounds check of a whole [0, 128) line against 128 is
// then one constant run, so that loads through it stay vectorized.
func.func @reshape_unit_dims() attributes {tile.kernel} {
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %c128 = arith.constant dense<128> : tensor<128xi32>
  %c0 = arith.constant dense<0> : tensor<128xi32>
  %lt = arith.cmpi slt, %r, %c128 : tensor<128xi32>
  %ge = arith.cmpi sge, %r, %c0 : tensor<128xi32>
  %in = arith.andi %ge, %lt : tensor<128xi1>
  // expected-remark @+1 {{contiguity = [1, 1], divisibility = [1, 1], constancy = [128, 1]}}
  %m = tile.reshape %in {test.axis} : tensor<128xi1> -> tensor<128x1xi1>
  // expected-remark @+1 {{contiguity = [128, 1], divisibility = [1073741824, 1], constancy = [1, 1]}}
  %rr = tile.reshape %r {test.axis} : tensor<128xi32> -> tensor<128x1xi32>
  // expected-remark @+1 {{contiguity = [1, 1], divisibility = [1, 1], constancy = [1, 1]}}
  %other = tile.reshape %rr {test.axis} : tensor<128x1xi32> -> tensor<2x64xi32>
  return
}

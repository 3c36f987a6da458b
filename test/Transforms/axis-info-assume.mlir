// tile.assume (the front end's multiple_of / max_contiguous) raises its source's axis info to
// what it promises, per dimension, so that a kernel's own hints make its accesses vector-wide
// without a launch signature.
//
// RUN: lacc-opt %s --tilegpu-print-axis-info -verify-diagnostics

func.func @k(%p: !tile.ptr<f32>, %n: i32) attributes {tile.kernel} {
  %pid = tile.program_id 0 : i32
  %start = arith.muli %pid, %n : i32
  // expected-remark @+1 {{contiguity = [1], divisibility = [16], constancy = [1]}}
  %s16 = tile.assume %start {divisibility = array<i64: 16>, test.axis} : i32
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %ss = tile.splat %s16 : tensor<256xi32>
  // expected-remark @+1 {{contiguity = [256], divisibility = [16], constancy = [1]}}
  %o = arith.addi %ss, %r {test.axis} : tensor<256xi32>
  %ps = tile.splat %p : tensor<256x!tile.ptr<f32>>
  %pp = tile.addptr %ps, %o : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  // expected-remark @+1 {{contiguity = [256], divisibility = [16], constancy = [1]}}
  %pa = tile.assume %pp {divisibility = array<i64: 16>, test.axis} : tensor<256x!tile.ptr<f32>>
  return
}

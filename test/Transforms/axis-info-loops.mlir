// RUN: lacc-opt %s --tilegpu-print-axis-info -verify-diagnostics
//
// The axis info (analysis/AxisInfo.h) of values carried around scf.for loops: a dataflow fixed
// point where each iter_arg starts from its initial value's info and is joined (gcd) with what
// every iteration yields. `tile.addptr %v, %zero {test.axis}` prints %v's info unchanged (adding
// 0 keeps contiguity and divisibility), which is how block arguments are observed here.
//   %pa: 256 consecutive f32 at a 16-byte aligned base, advanced by 4 elements (16 bytes) per
//        iteration: still 256 consecutive and 16-byte aligned, in the loop and after it (what
//        keeps a pipelined GEMM's loads 16 bytes wide);
//   %pb: advanced by 3 elements (12 bytes): still contiguous, but only 4-byte aligned;
//   %pc: advanced by an unknown number of elements: contiguous, 4-byte aligned (an f32's own);
//   %i:  the induction variable from 0 by 256: divisible by 256.

func.func @k(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %n: i32 {tile.divisibility = 16 : i32}, %s: i32) attributes {tile.kernel} {
  %r = tile.make_range 0, 256 : tensor<256xi32>
  %ps = tile.splat %p : tensor<256x!tile.ptr<f32>>
  %p0 = tile.addptr %ps, %r : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  %c0 = arith.constant 0 : i32
  %c256 = arith.constant 256 : i32
  %zero = arith.constant dense<0> : tensor<256xi32>
  %c4 = arith.constant dense<4> : tensor<256xi32>
  %c3 = arith.constant dense<3> : tensor<256xi32>
  %ss = tile.splat %s : tensor<256xi32>
  %a, %b, %c = scf.for %i = %c0 to %n step %c256 iter_args(%pa = %p0, %pb = %p0, %pc = %p0) -> (tensor<256x!tile.ptr<f32>>, tensor<256x!tile.ptr<f32>>, tensor<256x!tile.ptr<f32>>) : i32 {
    // expected-remark @+1 {{contiguity = [256], divisibility = [16], constancy = [1]}}
    %qa = tile.addptr %pa, %zero {test.axis} : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
    // expected-remark @+1 {{contiguity = [256], divisibility = [4], constancy = [1]}}
    %qb = tile.addptr %pb, %zero {test.axis} : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
    // expected-remark @+1 {{contiguity = [256], divisibility = [4], constancy = [1]}}
    %qc = tile.addptr %pc, %zero {test.axis} : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
    // expected-remark @+1 {{contiguity = [1], divisibility = [256], constancy = [1]}}
    %iv = arith.addi %i, %c0 {test.axis} : i32
    %pa2 = tile.addptr %pa, %c4 : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
    %pb2 = tile.addptr %pb, %c3 : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
    %pc2 = tile.addptr %pc, %ss : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
    scf.yield %pa2, %pb2, %pc2 : tensor<256x!tile.ptr<f32>>, tensor<256x!tile.ptr<f32>>, tensor<256x!tile.ptr<f32>>
  }
  // expected-remark @+1 {{contiguity = [256], divisibility = [16], constancy = [1]}}
  %ra = tile.addptr %a, %zero {test.axis} : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  // expected-remark @+1 {{contiguity = [256], divisibility = [4], constancy = [1]}}
  %rb = tile.addptr %b, %zero {test.axis} : tensor<256x!tile.ptr<f32>>, tensor<256xi32>
  return
}

// KNOWN BUG (XFAIL until fixed): tile.assume (the front end's multiple_of / max_contiguous) is
// ignored by the axis analysis, so its result is "nothing known" (contiguity 1, divisibility 1)
// instead of its source's info raised to the promise; and it has no lowering either, so a
// kernel that uses multiple_of() does not compile:
//     $ cat k.tile
//     @kernel
//     def k(x: ptr<f32>, z: ptr<f32>, n: i32, const BLOCK: i32 = 1024):
//         offsets = multiple_of(program_id(0) * n, 16) + arange(0, BLOCK)
//         store(z + offsets, load(x + offsets))
//     $ lacc k.tile --kernel=k --signature '*fp32:16,*fp32:16,i32' --emit=ptx
//     k.tile:3:15: error: failed to legalize operation 'tile.assume' that was explicitly marked illegal
// Fix: (1) AxisInfo's TransferFunctions::compute: for tile::AssumeOp, the source's info with
// divisibility[d] = max(src, promised) and contiguity[d] = max(src, promised) per dimension;
// (2) a lowering pattern that replaces tile.assume by its source's values
// (rewriter.replaceOpWithMultiple(op, {adaptor.getSrc()}) for tiles, replaceOp for scalars), or
// a canonicalization after the layout passes have used it; the layout passes must then treat it
// as elementwise (layout of its operand). Remove this XFAIL once the remarks below hold and add
// the kernel above to test/lacc.
//
// XFAIL: *
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

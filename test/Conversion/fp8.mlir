// fp8 conversions: pairs through cvt.rn.satfinite / cvt.rn.f16x2 from sm_89, integer arithmetic
// on the f32 bits on sm_80 (no fp8 instruction there); bitcasts are the bits themselves.
// RUN: lacc %s --emit=ptx --arch=sm_90a | FileCheck %s --check-prefix=SM90
// RUN: lacc %s --emit=ptx --arch=sm_80 | FileCheck %s --check-prefix=SM80
// RUN: lacc %s --emit=ptx --arch=sm_90a -o %t.ptx && %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: lacc %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 %t80.ptx -o %t80.cubin
// REQUIRES: ptxas

// SM90-LABEL: .entry round_trip(
// SM90-DAG: cvt.rn.satfinite.e4m3x2.f32
// SM90-DAG: cvt.rn.satfinite.e5m2x2.f32
// SM90-DAG: cvt.rn.f16x2.e4m3x2
// SM90-DAG: cvt.rn.f16x2.e5m2x2
// SM80-LABEL: .entry round_trip(
// SM80-NOT: e4m3
// SM80-NOT: e5m2
// The subnormal range rounds to even by counting quanta; e4m3 comes back scaled by 2^120.
// SM80-DAG: cvt.rni.f32.f32
// SM80-DAG: 0f7B800000
// SM80: ret;
func.func @round_trip(%x: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                      %a: !tile.ptr<f8E4M3FN> {tile.divisibility = 16 : i32},
                      %b: !tile.ptr<f8E5M2> {tile.divisibility = 16 : i32},
                      %y: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                      %h: !tile.ptr<bf16> {tile.divisibility = 16 : i32},
                      %bits: !tile.ptr<i8> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
  %r = tile.make_range 0, 512 : tensor<512xi32>
  %xs = tile.splat %x : tensor<512x!tile.ptr<f32>>
  %xp = tile.addptr %xs, %r : tensor<512x!tile.ptr<f32>>, tensor<512xi32>
  %v = tile.load %xp : tensor<512x!tile.ptr<f32>>
  %e4 = arith.truncf %v : tensor<512xf32> to tensor<512xf8E4M3FN>
  %e5 = arith.truncf %v : tensor<512xf32> to tensor<512xf8E5M2>
  %as = tile.splat %a : tensor<512x!tile.ptr<f8E4M3FN>>
  %ap = tile.addptr %as, %r : tensor<512x!tile.ptr<f8E4M3FN>>, tensor<512xi32>
  tile.store %ap, %e4 : tensor<512x!tile.ptr<f8E4M3FN>>
  %bs = tile.splat %b : tensor<512x!tile.ptr<f8E5M2>>
  %bp = tile.addptr %bs, %r : tensor<512x!tile.ptr<f8E5M2>>, tensor<512xi32>
  tile.store %bp, %e5 : tensor<512x!tile.ptr<f8E5M2>>
  // Back to f32 and bf16 (exact).
  %l4 = tile.load %ap : tensor<512x!tile.ptr<f8E4M3FN>>
  %l5 = tile.load %bp : tensor<512x!tile.ptr<f8E5M2>>
  %w4 = arith.extf %l4 : tensor<512xf8E4M3FN> to tensor<512xf32>
  %w5 = arith.extf %l5 : tensor<512xf8E5M2> to tensor<512xf32>
  %sum = arith.addf %w4, %w5 : tensor<512xf32>
  %ys = tile.splat %y : tensor<512x!tile.ptr<f32>>
  %yp = tile.addptr %ys, %r : tensor<512x!tile.ptr<f32>>, tensor<512xi32>
  tile.store %yp, %sum : tensor<512x!tile.ptr<f32>>
  %hb = arith.extf %l4 : tensor<512xf8E4M3FN> to tensor<512xbf16>
  %hs = tile.splat %h : tensor<512x!tile.ptr<bf16>>
  %hp = tile.addptr %hs, %r : tensor<512x!tile.ptr<bf16>>, tensor<512xi32>
  tile.store %hp, %hb : tensor<512x!tile.ptr<bf16>>
  // Bits out, a constant in.
  %i8 = arith.bitcast %l5 : tensor<512xf8E5M2> to tensor<512xi8>
  %is = tile.splat %bits : tensor<512x!tile.ptr<i8>>
  %ip = tile.addptr %is, %r : tensor<512x!tile.ptr<i8>>, tensor<512xi32>
  tile.store %ip, %i8 : tensor<512x!tile.ptr<i8>>
  %c = arith.constant dense<1.5> : tensor<512xf8E4M3FN>
  tile.store %ap, %c : tensor<512x!tile.ptr<f8E4M3FN>>
  return
}

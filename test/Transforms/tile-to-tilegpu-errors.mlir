// RUN: lacc-opt %s --tile-to-tilegpu="num-warps=1 max-elems-per-thread=64" -verify-diagnostics -split-input-file

func.func @too_big(%p: !tile.ptr<f32>) attributes {tile.kernel} {
  // expected-error @+1 {{cannot lay out 'tensor<128x128xf32>' over 1 warps: each thread would hold 512 elements (limit 64)}}
  %z = arith.constant dense<0.0> : tensor<128x128xf32>
  %s = tile.reduce sum %z {axis = 0 : i32} : tensor<128x128xf32> -> tensor<128xf32>
  %t = tile.reduce sum %s {axis = 0 : i32} : tensor<128xf32> -> f32
  tile.store %p, %t : !tile.ptr<f32>
  return
}

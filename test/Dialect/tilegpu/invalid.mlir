// RUN: lacc-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{threadsPerWarp must multiply to 32, got 16}}
func.func @lanes(%x: tensor<16xf32, #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [16], warpsPerCTA = [4], order = [0]}>>) { return }

// -----

// expected-error @+1 {{order must be a permutation of [0, 2)}}
func.func @order(%x: tensor<16x16xf32, #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [1, 1], order = [1, 1]}>>) { return }

// -----

// expected-error @+1 {{layout sizes must be powers of two}}
func.func @pow2(%x: tensor<16xf32, #tilegpu.blocked<{sizePerThread = [3], threadsPerWarp = [32], warpsPerCTA = [1], order = [0]}>>) { return }

// -----

#b = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
// expected-error @+1 {{cannot slice a rank-1 layout}}
func.func @slice(%x: tensor<16xf32, #tilegpu.slice<{dim = 0, parent = #b}>>) { return }

// -----

#b = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#c = #tilegpu.blocked<{sizePerThread = [2], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
func.func @shape(%x: tensor<16xf32, #b>) {
  // expected-error @+1 {{shapes differ}}
  %y = tilegpu.convert_layout %x : tensor<16xf32, #b> -> tensor<32xf32, #c>
  return
}

// -----

func.func @plain(%x: tensor<16xf32>) {
  // expected-error @+1 {{source must carry a distributed layout}}
  %y = tilegpu.convert_layout %x : tensor<16xf32> -> tensor<16xf32>
  return
}

// -----

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
func.func @rank(%x: tensor<16xf32, #b>) {
  return
}
// expected-error @+2 {{result has rank 1 but its layout has rank 2}}
func.func @rank2(%x: tensor<16x16xf32, #b>) {
  %y = tilegpu.convert_layout %x : tensor<16x16xf32, #b> -> tensor<16xf32, #b>
  return
}

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @slice_outside(%m: !tilegpu.memdesc<16x64xbf16, #s, view of 64x64 at [16, 0]>) {
  // expected-error @+1 {{slice [16, 32) of dimension 0 is outside the source's 16 elements}}
  %v = tilegpu.memdesc_slice %m {offsets = array<i64: 16, 0>} : !tilegpu.memdesc<16x64xbf16, #s, view of 64x64 at [16, 0]> -> !tilegpu.memdesc<16x64xbf16, #s, view of 64x64 at [32, 0]>
  return
}

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @slice_rank(%m: !tilegpu.memdesc<32x64xbf16, #s>) {
  // expected-error @+1 {{needs one offset per dimension (2), got 1}}
  %v = tilegpu.memdesc_slice %m {offsets = array<i64: 16>} : !tilegpu.memdesc<32x64xbf16, #s> -> !tilegpu.memdesc<16x64xbf16, #s, view of 32x64 at [16, 0]>
  return
}

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @slice_view(%m: !tilegpu.memdesc<32x64xbf16, #s>) {
  // expected-error @+1 {{result must be the view of}}
  %v = tilegpu.memdesc_slice %m {offsets = array<i64: 16, 0>} : !tilegpu.memdesc<32x64xbf16, #s> -> !tilegpu.memdesc<16x64xbf16, #s, view of 32x64 at [0, 0]>
  return
}

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

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @trans_layout(%m: !tilegpu.memdesc<32x64xbf16, #s>) {
  // expected-error @+1 {{result must be the source with its dimensions permuted}}
  %t = tilegpu.memdesc_trans %m {order = array<i32: 1, 0>} : !tilegpu.memdesc<32x64xbf16, #s> -> !tilegpu.memdesc<64x32xbf16, #s>
  return
}

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @trans_order(%m: !tilegpu.memdesc<32x64xbf16, #s>) {
  // expected-error @+1 {{order must name each of the 2 dimensions once}}
  %t = tilegpu.memdesc_trans %m {order = array<i32: 1, 1>} : !tilegpu.memdesc<32x64xbf16, #s> -> !tilegpu.memdesc<64x32xbf16, #s>
  return
}

// -----

#s = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @trans_view(%m: !tilegpu.memdesc<32x32xbf16, #s, view of 32x64 at [0, 32]>) {
  // expected-error @+1 {{transposes a whole buffer, not a view of part of one}}
  %t = tilegpu.memdesc_trans %m {order = array<i32: 1, 0>} : !tilegpu.memdesc<32x32xbf16, #s, view of 32x64 at [0, 32]> -> !tilegpu.memdesc<32x32xbf16, #s>
  return
}

// -----

// expected-error @+1 {{wgmma's warps lie along M in whole warpgroups: warpsPerCTA = [4k, 1]}}
func.func @wgmma_warps(%x: tensor<64x64xf32, #tilegpu.mma<{version = 3, warpsPerCTA = [2, 2], instrShape = [16, 64]}>>) { return }

// -----

// expected-error @+1 {{wgmma's instrShape is [16, N] with N a multiple of 8 up to 256}}
func.func @wgmma_instr(%x: tensor<64x512xf32, #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 512]}>>) { return }

// -----

// expected-error @+1 {{chunk must be a power of two (or 0: none)}}
func.func @chunk(%x: !tilegpu.memdesc<64x64xbf16, #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 48}>>) { return }

// -----

#wg = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#plain = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
func.func @wgmma_operand_layout(%a: !tilegpu.memdesc<64x128xbf16, #plain>, %b: !tilegpu.memdesc<128x64xbf16, #sw>, %c: tensor<64x64xf32, #wg>) {
  // expected-error @+1 {{operand A is not in a wgmma layout}}
  %d = tilegpu.warp_group_dot %a, %b, %c : !tilegpu.memdesc<64x128xbf16, #plain>, !tilegpu.memdesc<128x64xbf16, #sw>, tensor<64x64xf32, #wg> -> tensor<64x64xf32, #wg>
  return
}

// -----

#wg = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
func.func @wgmma_shapes(%a: !tilegpu.memdesc<64x64xbf16, #sw>, %b: !tilegpu.memdesc<128x64xbf16, #sw>, %c: tensor<64x64xf32, #wg>) {
  // expected-error @+1 {{shapes do not multiply: 64x64 times 128x64 into 64x64}}
  %d = tilegpu.warp_group_dot %a, %b, %c : !tilegpu.memdesc<64x64xbf16, #sw>, !tilegpu.memdesc<128x64xbf16, #sw>, tensor<64x64xf32, #wg> -> tensor<64x64xf32, #wg>
  return
}

// -----

#wg = #tilegpu.mma<{version = 3, warpsPerCTA = [8, 1], instrShape = [16, 64]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
func.func @wgmma_rows(%a: !tilegpu.memdesc<64x64xbf16, #sw>, %b: !tilegpu.memdesc<64x64xbf16, #sw>, %c: tensor<64x64xf32, #wg>) {
  // expected-error @+1 {{a 64x64x64 dot does not tile into m64n64k16 instructions over 8 warps}}
  %d = tilegpu.warp_group_dot %a, %b, %c : !tilegpu.memdesc<64x64xbf16, #sw>, !tilegpu.memdesc<64x64xbf16, #sw>, tensor<64x64xf32, #wg> -> tensor<64x64xf32, #wg>
  return
}

// -----

// A in registers must be in the accumulator's own operand layout.
#wg = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#other = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 32]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
func.func @wgmma_register_a_layout(%a: tensor<64x64xbf16, #tilegpu.dot_op<{opIdx = 0, parent = #other, kWidth = 2}>>, %b: !tilegpu.memdesc<64x64xbf16, #sw>, %c: tensor<64x64xf32, #wg>) {
  // expected-error @+1 {{A in registers must be in the accumulator's operand layout (dot_op opIdx 0, kWidth 2)}}
  %d = tilegpu.warp_group_dot %a, %b, %c : tensor<64x64xbf16, #tilegpu.dot_op<{opIdx = 0, parent = #other, kWidth = 2}>>, !tilegpu.memdesc<64x64xbf16, #sw>, tensor<64x64xf32, #wg> -> tensor<64x64xf32, #wg>
  return
}

// -----

#bar = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>
func.func @barrier_type(%b: !tilegpu.memdesc<2xi64, #bar>) {
  // expected-error @+1 {{barrier must be a memdesc<1xi64>, got '!tilegpu.memdesc<2xi64, #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>>'}}
  tilegpu.init_barrier %b, 1 : !tilegpu.memdesc<2xi64, #bar>
  return
}

// -----

#bar = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>
func.func @barrier_count(%b: !tilegpu.memdesc<1xi64, #bar>) {
  // expected-error @+1 {{count must be in [1, 2^20), got 0}}
  tilegpu.init_barrier %b, 0 : !tilegpu.memdesc<1xi64, #bar>
  return
}

// -----

// The TMA writes the tensor's innermost dimension contiguously: not a column-major buffer.
#colmajor = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1], chunk = 64}>
#bar = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>
func.func @tma_layout(%map: !tilegpu.tensor_map, %i: i32, %p: i1, %buf: !tilegpu.memdesc<64x64xbf16, #colmajor>, %b: !tilegpu.memdesc<1xi64, #bar>) {
  // expected-error @+1 {{the TMA cannot copy a buffer of type}}
  tilegpu.async_tma_copy_global_to_local %map[%i, %i] %buf, %b, %p : !tilegpu.memdesc<64x64xbf16, #colmajor>, !tilegpu.memdesc<1xi64, #bar>
  return
}

// -----

// A swizzled layout the TMA has no mode for (64-byte rows with the 128-byte pattern).
#odd = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#bar = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>
func.func @tma_swizzle(%map: !tilegpu.tensor_map, %i: i32, %p: i1, %buf: !tilegpu.memdesc<64x32xbf16, #odd>, %b: !tilegpu.memdesc<1xi64, #bar>) {
  // expected-error @+1 {{the TMA cannot copy a buffer of type}}
  tilegpu.async_tma_copy_global_to_local %map[%i, %i] %buf, %b, %p : !tilegpu.memdesc<64x32xbf16, #odd>, !tilegpu.memdesc<1xi64, #bar>
  return
}

// -----

#swz = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#bar = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>
func.func @tma_coords(%map: !tilegpu.tensor_map, %i: i32, %p: i1, %buf: !tilegpu.memdesc<64x64xbf16, #swz>, %b: !tilegpu.memdesc<1xi64, #bar>) {
  // expected-error @+1 {{needs one coordinate per dimension of the buffer (2), after one per leading unit dimension of the box, at most 5 in all; got 1}}
  tilegpu.async_tma_copy_global_to_local %map[%i] %buf, %b, %p : !tilegpu.memdesc<64x64xbf16, #swz>, !tilegpu.memdesc<1xi64, #bar>
  return
}

// -----

// A tensor of rank 6: the TMA's tensors have rank 5 at most.
#swz = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#bar = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>
func.func @tma_coords_rank6(%map: !tilegpu.tensor_map, %i: i32, %p: i1, %buf: !tilegpu.memdesc<64x64xbf16, #swz>, %b: !tilegpu.memdesc<1xi64, #bar>) {
  // expected-error @+1 {{at most 5 in all; got 6}}
  tilegpu.async_tma_copy_global_to_local %map[%i, %i, %i, %i, %i, %i] %buf, %b, %p : !tilegpu.memdesc<64x64xbf16, #swz>, !tilegpu.memdesc<1xi64, #bar>
  return
}

// -----

// TMA stores read the buffer in the layouts TMA loads write: not a column-major one ...
#colmajor = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1], chunk = 64}>
func.func @tma_store_layout(%map: !tilegpu.tensor_map, %i: i32, %buf: !tilegpu.memdesc<64x64xbf16, #colmajor>) {
  // expected-error @+1 {{'tilegpu.async_tma_copy_local_to_global' op the TMA cannot copy a buffer of type}}
  tilegpu.async_tma_copy_local_to_global %map[%i, %i] %buf : !tilegpu.memdesc<64x64xbf16, #colmajor>
  return
}

// -----

// ... with one coordinate per buffer dimension at least ...
#swz = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
func.func @tma_store_coords(%map: !tilegpu.tensor_map, %i: i32, %buf: !tilegpu.memdesc<64x64xbf16, #swz>) {
  // expected-error @+1 {{'tilegpu.async_tma_copy_local_to_global' op needs one coordinate per dimension of the buffer (2), after one per leading unit dimension of the box, at most 5 in all; got 1}}
  tilegpu.async_tma_copy_local_to_global %map[%i] %buf : !tilegpu.memdesc<64x64xbf16, #swz>
  return
}

// -----

// ... and at most 5.
#swz = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
func.func @tma_store_coords_rank6(%map: !tilegpu.tensor_map, %i: i32, %buf: !tilegpu.memdesc<64x64xbf16, #swz>) {
  // expected-error @+1 {{at most 5 in all; got 6}}
  tilegpu.async_tma_copy_local_to_global %map[%i, %i, %i, %i, %i, %i] %buf : !tilegpu.memdesc<64x64xbf16, #swz>
  return
}

// -----

func.func @tma_store_wait_pendings() {
  // expected-error @+1 {{'tilegpu.tma_store_wait' op pendings must not be negative, got -1}}
  tilegpu.tma_store_wait -1
  return
}

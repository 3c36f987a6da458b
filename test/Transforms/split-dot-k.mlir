// RUN: lacc-opt %s --tilegpu-split-dot-k | FileCheck %s

#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8]}>
#sa = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [1, 0]}>
#sb = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#a = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#b = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {

// A 64x64x48 dot on staged operands becomes three K=16 dots chained through
// the accumulator; each step's slices are loaded before the previous step's
// multiply (step 1's loads come before step 0's dot).
// CHECK-LABEL: func.func @three_steps
// CHECK: %[[B0:.*]] = tilegpu.memdesc_slice %[[BUFB:[^ ]*]] {offsets = array<i64: 0, 0>} {{.*}} -> !tilegpu.memdesc<16x64xbf16, #{{.*}}, view of 48x64 at [0, 0]>
// CHECK: %[[LB0:.*]] = tilegpu.local_load %[[B0]]
// CHECK: %[[A0:.*]] = tilegpu.memdesc_slice %[[BUFA:[^ ]*]] {offsets = array<i64: 0, 0>} {{.*}} -> !tilegpu.memdesc<64x16xbf16, #{{.*}}, view of 64x48 at [0, 0]>
// CHECK: %[[LA0:.*]] = tilegpu.local_load %[[A0]]
// CHECK: tilegpu.memdesc_slice %[[BUFB]] {offsets = array<i64: 16, 0>}
// CHECK: tilegpu.memdesc_slice %[[BUFA]] {offsets = array<i64: 0, 16>}
// CHECK: %[[D0:.*]] = tile.dot %[[LA0]], %[[LB0]], %arg2 : tensor<64x16xbf16
// CHECK: tilegpu.memdesc_slice %[[BUFB]] {offsets = array<i64: 32, 0>}
// CHECK: tilegpu.memdesc_slice %[[BUFA]] {offsets = array<i64: 0, 32>}
// CHECK: %[[D1:.*]] = tile.dot {{.*}}, {{.*}}, %[[D0]]
// CHECK: %[[D2:.*]] = tile.dot {{.*}}, {{.*}}, %[[D1]]
// CHECK-NOT: tile.dot
// CHECK: return %[[D2]]
func.func @three_steps(%a: !tilegpu.memdesc<64x48xbf16, #sa>, %b: !tilegpu.memdesc<48x64xbf16, #sb>, %acc: tensor<64x64xf32, #mma>) -> tensor<64x64xf32, #mma> {
  %la = tilegpu.local_load %a : !tilegpu.memdesc<64x48xbf16, #sa> -> tensor<64x48xbf16, #a>
  %lb = tilegpu.local_load %b : !tilegpu.memdesc<48x64xbf16, #sb> -> tensor<48x64xbf16, #b>
  %d = tile.dot %la, %lb, %acc : tensor<64x48xbf16, #a>, tensor<48x64xbf16, #b> -> tensor<64x64xf32, #mma>
  return %d : tensor<64x64xf32, #mma>
}

// One K step already: nothing to split.
// CHECK-LABEL: func.func @one_step
// CHECK-NOT: memdesc_slice
// CHECK: tile.dot
func.func @one_step(%a: !tilegpu.memdesc<64x16xbf16, #sa>, %b: !tilegpu.memdesc<16x64xbf16, #sb>, %acc: tensor<64x64xf32, #mma>) -> tensor<64x64xf32, #mma> {
  %la = tilegpu.local_load %a : !tilegpu.memdesc<64x16xbf16, #sa> -> tensor<64x16xbf16, #a>
  %lb = tilegpu.local_load %b : !tilegpu.memdesc<16x64xbf16, #sb> -> tensor<16x64xbf16, #b>
  %d = tile.dot %la, %lb, %acc : tensor<64x16xbf16, #a>, tensor<16x64xbf16, #b> -> tensor<64x64xf32, #mma>
  return %d : tensor<64x64xf32, #mma>
}

// An operand that is also read elsewhere stays whole (its registers are live anyway).
// CHECK-LABEL: func.func @shared_operand
// CHECK-NOT: memdesc_slice
// CHECK: tile.dot
func.func @shared_operand(%a: !tilegpu.memdesc<64x32xbf16, #sa>, %b: !tilegpu.memdesc<32x64xbf16, #sb>, %acc: tensor<64x64xf32, #mma>) -> (tensor<64x64xf32, #mma>, tensor<64x32xbf16, #a>) {
  %la = tilegpu.local_load %a : !tilegpu.memdesc<64x32xbf16, #sa> -> tensor<64x32xbf16, #a>
  %lb = tilegpu.local_load %b : !tilegpu.memdesc<32x64xbf16, #sb> -> tensor<32x64xbf16, #b>
  %d = tile.dot %la, %lb, %acc : tensor<64x32xbf16, #a>, tensor<32x64xbf16, #b> -> tensor<64x64xf32, #mma>
  return %d, %la : tensor<64x64xf32, #mma>, tensor<64x32xbf16, #a>
}

// A staged operand read by two dots (q in attention: Q S and Q K^T): each dot is split and reads
// its own slices; the whole-operand load goes away.
// CHECK-LABEL: func.func @two_dots
// CHECK-NOT: tilegpu.local_load {{.*}} -> tensor<64x32xbf16
// CHECK-COUNT-4: tile.dot {{.*}} : tensor<64x16xbf16
// CHECK-NOT: tile.dot
// CHECK: return
func.func @two_dots(%a: !tilegpu.memdesc<64x32xbf16, #sa>, %b: !tilegpu.memdesc<32x64xbf16, #sb>, %c: !tilegpu.memdesc<32x64xbf16, #sb>, %acc: tensor<64x64xf32, #mma>) -> (tensor<64x64xf32, #mma>, tensor<64x64xf32, #mma>) {
  %la = tilegpu.local_load %a : !tilegpu.memdesc<64x32xbf16, #sa> -> tensor<64x32xbf16, #a>
  %lb = tilegpu.local_load %b : !tilegpu.memdesc<32x64xbf16, #sb> -> tensor<32x64xbf16, #b>
  %lc = tilegpu.local_load %c : !tilegpu.memdesc<32x64xbf16, #sb> -> tensor<32x64xbf16, #b>
  %d = tile.dot %la, %lb, %acc : tensor<64x32xbf16, #a>, tensor<32x64xbf16, #b> -> tensor<64x64xf32, #mma>
  %e = tile.dot %la, %lc, %acc : tensor<64x32xbf16, #a>, tensor<32x64xbf16, #b> -> tensor<64x64xf32, #mma>
  return %d, %e : tensor<64x64xf32, #mma>, tensor<64x64xf32, #mma>
}
}

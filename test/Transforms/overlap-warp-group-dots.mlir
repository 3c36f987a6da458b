// RUN: lacc-opt %s --tilegpu-overlap-warp-group-dots | FileCheck %s
//
// tilegpu-overlap-warp-group-dots issues an independent warp_group_dot right behind a
// synchronous one, which becomes async and is waited for after it:
//   - @independent: the second dot moves up over a use of the first's result (which then
//     reads the wait's result) and over register-only ops;
//   - @second_async: behind a pipelined (async) second dot and its wait, the first's wait
//     leaves one group in flight (pendings = 1);
//   - unchanged: a shared-memory write in between (@shared_write), a second dot that reads
//     the first's result (@dependent) or an operand computed after the first (@operand_late),
//     and a first dot with A in registers (@register_a).

#wg = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#areg = #tilegpu.dot_op<{opIdx = 0, parent = #wg, kWidth = 2}>
!buf = !tilegpu.memdesc<64x64xbf16, #sw>
!acc = tensor<64x64xf32, #wg>
module attributes {tilegpu.num_warps = 4 : i32} {
  // CHECK-LABEL: func.func @independent
  // CHECK: %[[R1:.*]] = tilegpu.warp_group_dot %arg0, %arg1, %arg3 {async}
  // CHECK-NEXT: %[[R2:.*]] = tilegpu.warp_group_dot %arg0, %arg2, %arg3 :
  // CHECK-NEXT: %[[W1:.*]] = tilegpu.warp_group_dot_wait %[[R1]] {pendings = 0 : i32}
  // CHECK-NEXT: arith.mulf %[[W1]], %arg4
  func.func @independent(%a: !buf, %b1: !buf, %b2: !buf, %c: !acc, %s: !acc) -> (!acc, !acc) {
    %r1 = tilegpu.warp_group_dot %a, %b1, %c : !buf, !buf, !acc -> !acc
    %x = arith.mulf %r1, %s : !acc
    %r2 = tilegpu.warp_group_dot %a, %b2, %c : !buf, !buf, !acc -> !acc
    return %x, %r2 : !acc, !acc
  }
  // CHECK-LABEL: func.func @second_async
  // CHECK: %[[R1:.*]] = tilegpu.warp_group_dot %arg0, %arg1, %arg3 {async}
  // CHECK-NEXT: %[[R2:.*]] = tilegpu.warp_group_dot %arg0, %arg2, %arg3 {async}
  // CHECK-NEXT: tilegpu.warp_group_dot_wait %[[R2]] {pendings = 1 : i32}
  // CHECK-NEXT: tilegpu.warp_group_dot_wait %[[R1]] {pendings = 1 : i32}
  func.func @second_async(%a: !buf, %b1: !buf, %b2: !buf, %c: !acc) -> (!acc, !acc) {
    %r1 = tilegpu.warp_group_dot %a, %b1, %c : !buf, !buf, !acc -> !acc
    %r2 = tilegpu.warp_group_dot %a, %b2, %c {async} : !buf, !buf, !acc -> !acc
    %w2 = tilegpu.warp_group_dot_wait %r2 {pendings = 1 : i32} : !acc
    return %r1, %w2 : !acc, !acc
  }
  // CHECK-LABEL: func.func @shared_write
  // CHECK-NOT: async
  // CHECK-NOT: warp_group_dot_wait
  // CHECK: return
  func.func @shared_write(%a: !buf, %b1: !buf, %c: !acc, %t: tensor<64x64xbf16, #wg>) -> (!acc, !acc) {
    %r1 = tilegpu.warp_group_dot %a, %b1, %c : !buf, !buf, !acc -> !acc
    %b2 = tilegpu.local_alloc %t : tensor<64x64xbf16, #wg> -> !buf
    %r2 = tilegpu.warp_group_dot %a, %b2, %c : !buf, !buf, !acc -> !acc
    return %r1, %r2 : !acc, !acc
  }
  // CHECK-LABEL: func.func @dependent
  // CHECK-NOT: async
  // CHECK: return
  func.func @dependent(%a: !buf, %b1: !buf, %b2: !buf, %c: !acc) -> !acc {
    %r1 = tilegpu.warp_group_dot %a, %b1, %c : !buf, !buf, !acc -> !acc
    %r2 = tilegpu.warp_group_dot %a, %b2, %r1 : !buf, !buf, !acc -> !acc
    return %r2 : !acc
  }
  // CHECK-LABEL: func.func @operand_late
  // CHECK-NOT: async
  // CHECK: return
  func.func @operand_late(%a: !buf, %b1: !buf, %b2: !buf, %c: !acc, %s: !acc) -> (!acc, !acc) {
    %r1 = tilegpu.warp_group_dot %a, %b1, %c : !buf, !buf, !acc -> !acc
    %c2 = arith.mulf %c, %s : !acc
    %r2 = tilegpu.warp_group_dot %a, %b2, %c2 : !buf, !buf, !acc -> !acc
    return %r1, %r2 : !acc, !acc
  }
  // CHECK-LABEL: func.func @register_a
  // CHECK-NOT: async
  // CHECK: return
  func.func @register_a(%p: tensor<64x64xbf16, #areg>, %a: !buf, %b1: !buf, %b2: !buf, %c: !acc) -> (!acc, !acc) {
    %r1 = tilegpu.warp_group_dot %p, %b1, %c : tensor<64x64xbf16, #areg>, !buf, !acc -> !acc
    %r2 = tilegpu.warp_group_dot %a, %b2, %c : !buf, !buf, !acc -> !acc
    return %r1, %r2 : !acc, !acc
  }
}

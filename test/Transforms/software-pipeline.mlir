// RUN: lacc-opt %s --tilegpu-software-pipeline=num-stages=3 | FileCheck %s
// RUN: lacc-opt %s --tilegpu-software-pipeline=num-stages=2 | FileCheck %s --check-prefix=TWO
// RUN: lacc-opt %s --tilegpu-software-pipeline=num-stages=1 | FileCheck %s --check-prefix=ONE
//
// tilegpu-software-pipeline on a GEMM loop as the earlier passes leave it (the loads of A and B
// feed local_alloc -> local_load -> tile.dot; A is masked on K; the pointers are loop-carried and
// advanced by 32 and 2048 elements). With num_stages = S:
//   - a ring of S slots per operand, allocated before the loop: [S, ...] buffers with the staging
//     buffer's swizzle and the slot dimension slowest (order [2, 1, 0]);
//   - a prologue issuing iterations 0 .. S-2 into slots 0 .. S-2 (constant indices), one
//     commit_group each, iteration 1's pointers advanced once and its copies masked off when it
//     is past the end (0 + 32 < K), A's copy also by its own mask;
//   - in the loop: async_wait {num = S-2} first (iteration i's group landed, S-2 may stay in
//     flight), the dot reading slot i % S (an iter_arg starting at 0), then the copies of
//     iteration i+S-1 (pointers carried S-1 iterations ahead in new iter_args, masked off past
//     the end: iv + 2 * step < K) into slot (i+S-1) % S (an iter_arg starting at S-1), marked
//     ordered_by_loop_barrier (the slot they overwrite was read in iteration i-1, before this
//     iteration's barrier), one commit_group; both slot indices wrap at S;
//   - async_wait {num = 0} after the loop.
// S = 2: no group may stay in flight (wait 0 in the loop), a 2-slot ring, the prologue has one
// iteration. S = 1: nothing changes.

// CHECK-DAG: #[[RINGA:shared[0-9]*]] = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [2, 1, 0]}>
// CHECK-DAG: #[[RINGB:shared[0-9]*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]}>
// CHECK-LABEL: func.func @gemm_loop
// CHECK: %[[RA:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x64x32xbf16, #[[RINGA]]>
// CHECK-NEXT: %[[RB:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x32x64xbf16, #[[RINGB]]>
// Prologue, iteration 0 into slot 0 (computing on the way iteration 1's pointers).
// CHECK: %[[S0:.*]] = arith.constant 0 : i32
// CHECK: %[[AP1:.*]] = tile.addptr
// CHECK-NEXT: %[[BP1:.*]] = tile.addptr
// CHECK-NEXT: %[[VALID0:.*]] = arith.cmpi slt, %c0_i32, %arg3 : i32
// CHECK: %[[MA0:.*]] = arith.andi
// CHECK-NEXT: %[[A0:.*]] = tilegpu.memdesc_subview %[[RA]][%[[S0]]]
// CHECK-NEXT: tilegpu.async_copy_global_to_local %{{.*}}, %[[A0]], %[[MA0]] :
// CHECK-NOT: ordered_by_loop_barrier
// CHECK: %[[B0:.*]] = tilegpu.memdesc_subview %[[RB]][%[[S0]]]
// CHECK-NEXT: tilegpu.async_copy_global_to_local %{{.*}}, %[[B0]], %{{.*}} :
// CHECK-NEXT: tilegpu.async_commit_group
// Prologue, iteration 1 into slot 1, masked off unless 0 + 32 < K.
// CHECK: %[[IV1:.*]] = arith.addi %c0_i32, %{{.*}} : i32
// CHECK: %[[S1:.*]] = arith.constant 1 : i32
// CHECK: arith.cmpi slt, %[[IV1]], %arg3 : i32
// CHECK: tilegpu.memdesc_subview %[[RA]][%[[S1]]]
// CHECK-NEXT: tilegpu.async_copy_global_to_local %[[AP1]],
// CHECK: tilegpu.memdesc_subview %[[RB]][%[[S1]]]
// CHECK-NEXT: tilegpu.async_copy_global_to_local %[[BP1]],
// CHECK-NEXT: tilegpu.async_commit_group
// The loop: slot to read starts at 0, slot to write at 2.
// CHECK: %[[R0:.*]] = arith.constant 0 : i32
// CHECK-NEXT: %[[W0:.*]] = arith.constant 2 : i32
// CHECK-NEXT: scf.for %[[IV:.*]] = {{.*}} iter_args({{.*}}, %[[BAHEAD:.*]] = %{{.*}}, %[[AAHEAD:.*]] = %{{.*}}, %[[READ:.*]] = %[[R0]], %[[WRITE:.*]] = %[[W0]])
// CHECK-NEXT: tilegpu.async_wait {num = 1 : i32}
// CHECK-NOT: tilegpu.async_copy_global_to_local
// CHECK-NOT: tile.load
// CHECK: %[[SA:.*]] = tilegpu.memdesc_subview %[[RA]][%[[READ]]]
// CHECK-NEXT: %[[SB:.*]] = tilegpu.memdesc_subview %[[RB]][%[[READ]]]
// CHECK-NEXT: %[[LA:.*]] = tilegpu.local_load %[[SA]]
// CHECK-NEXT: %[[LB:.*]] = tilegpu.local_load %[[SB]]
// CHECK-NEXT: tile.dot %[[LA]], %[[LB]]
// Iteration i + 2's copies, masked off unless iv + 2 * 32 < K.
// CHECK: %[[C2:.*]] = arith.constant 2 : i32
// CHECK-NEXT: %[[AHEAD:.*]] = arith.muli %{{.*}}, %[[C2]] : i32
// CHECK-NEXT: %[[IV2:.*]] = arith.addi %[[IV]], %[[AHEAD]] : i32
// CHECK: %[[NEXTA:.*]] = tile.addptr %[[AAHEAD]]
// CHECK-NEXT: %[[NEXTB:.*]] = tile.addptr %[[BAHEAD]]
// CHECK-NEXT: arith.cmpi slt, %[[IV2]], %arg3 : i32
// CHECK: %[[WA:.*]] = tilegpu.memdesc_subview %[[RA]][%[[WRITE]]]
// CHECK-NEXT: tilegpu.async_copy_global_to_local %[[AAHEAD]], %[[WA]], %{{.*}} {ordered_by_loop_barrier}
// CHECK: %[[WB:.*]] = tilegpu.memdesc_subview %[[RB]][%[[WRITE]]]
// CHECK-NEXT: tilegpu.async_copy_global_to_local %[[BAHEAD]], %[[WB]], %{{.*}} {ordered_by_loop_barrier}
// CHECK-NEXT: tilegpu.async_commit_group
// Both slot indices advance and wrap at 3.
// CHECK: %[[R1:.*]] = arith.addi %[[READ]], %{{.*}} : i32
// CHECK: %[[THREE:.*]] = arith.constant 3 : i32
// CHECK-NEXT: %[[RW:.*]] = arith.cmpi eq, %[[R1]], %[[THREE]] : i32
// CHECK: %[[RN:.*]] = arith.select %[[RW]], %{{.*}}, %[[R1]] : i32
// CHECK: %[[W1:.*]] = arith.addi %[[WRITE]], %{{.*}} : i32
// CHECK: %[[WN:.*]] = arith.select %{{.*}}, %{{.*}}, %[[W1]] : i32
// CHECK: scf.yield %{{.*}}, %{{.*}}, %{{.*}}, %[[NEXTB]], %[[NEXTA]], %[[RN]], %[[WN]]
// CHECK-NEXT: }
// CHECK-NEXT: tilegpu.async_wait {num = 0 : i32}
// CHECK-NOT: tilegpu.async
// CHECK: return

// TWO: tilegpu.local_alloc -> !tilegpu.memdesc<2x64x32xbf16
// TWO: tilegpu.async_commit_group
// TWO-NOT: tilegpu.async_commit_group
// TWO: scf.for
// TWO-NEXT: tilegpu.async_wait {num = 0 : i32}
// TWO: tilegpu.async_commit_group
// TWO: scf.yield
// TWO-NEXT: }
// TWO-NEXT: tilegpu.async_wait {num = 0 : i32}

// ONE-NOT: tilegpu.async
// ONE: tile.load
// ONE: tilegpu.local_alloc
// ONE: tile.load
// ONE: tilegpu.local_alloc
// ONE-NOT: tilegpu.async

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked2 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [1, 0]}>
#shared1 = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
#dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#dot_op1 = #tilegpu.dot_op<{opIdx = 1, parent = #mma, kWidth = 2}>
#slice = #tilegpu.slice<{dim = 0, parent = #blocked}>
#slice1 = #tilegpu.slice<{dim = 1, parent = #blocked}>
#slice2 = #tilegpu.slice<{dim = 0, parent = #blocked1}>
#slice3 = #tilegpu.slice<{dim = 1, parent = #blocked2}>
#slice4 = #tilegpu.slice<{dim = 1, parent = #blocked1}>
#slice5 = #tilegpu.slice<{dim = 0, parent = #blocked2}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @gemm_loop(%arg0: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg1: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg2: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %arg3: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %cst = arith.constant dense<64> : tensor<64x1xi32, #blocked>
    %cst_0 = arith.constant dense<2048> : tensor<32x64xi32, #blocked1>
    %cst_1 = arith.constant dense<32> : tensor<64x32xi32, #blocked2>
    %c32_i32 = arith.constant 32 : i32
    %c0_i32 = arith.constant 0 : i32
    %cst_2 = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #mma>
    %cst_3 = arith.constant dense<64> : tensor<32x1xi32, #blocked1>
    %0 = tile.make_range 0, 64 : tensor<64xi32, #slice>
    %1 = tile.make_range 0, 64 : tensor<64xi32, #slice1>
    %2 = tile.make_range 0, 64 : tensor<64xi32, #slice2>
    %3 = tile.make_range 0, 64 : tensor<64xi32, #slice3>
    %4 = tile.make_range 0, 32 : tensor<32xi32, #slice4>
    %5 = tile.make_range 0, 32 : tensor<32xi32, #slice5>
    %6 = tile.expand_dims %3 {axis = 1 : i32} : tensor<64xi32, #slice3> -> tensor<64x1xi32, #blocked2>
    %7 = tile.splat %arg3 : tensor<64x1xi32, #blocked2>
    %8 = arith.muli %6, %7 : tensor<64x1xi32, #blocked2>
    %9 = tile.broadcast %8 : tensor<64x1xi32, #blocked2> -> tensor<64x32xi32, #blocked2>
    %10 = tile.expand_dims %5 {axis = 0 : i32} : tensor<32xi32, #slice5> -> tensor<1x32xi32, #blocked2>
    %11 = tile.broadcast %10 : tensor<1x32xi32, #blocked2> -> tensor<64x32xi32, #blocked2>
    %12 = arith.addi %9, %11 : tensor<64x32xi32, #blocked2>
    %13 = tile.splat %arg0 : tensor<64x32x!tile.ptr<bf16>, #blocked2>
    %14 = tile.addptr %13, %12 : tensor<64x32x!tile.ptr<bf16>, #blocked2>, tensor<64x32xi32, #blocked2>
    %15 = tile.expand_dims %4 {axis = 1 : i32} : tensor<32xi32, #slice4> -> tensor<32x1xi32, #blocked1>
    %16 = arith.muli %15, %cst_3 : tensor<32x1xi32, #blocked1>
    %17 = tile.broadcast %16 : tensor<32x1xi32, #blocked1> -> tensor<32x64xi32, #blocked1>
    %18 = tile.expand_dims %0 {axis = 0 : i32} : tensor<64xi32, #slice> -> tensor<1x64xi32, #blocked>
    %19 = tile.expand_dims %2 {axis = 0 : i32} : tensor<64xi32, #slice2> -> tensor<1x64xi32, #blocked1>
    %20 = tile.broadcast %19 : tensor<1x64xi32, #blocked1> -> tensor<32x64xi32, #blocked1>
    %21 = arith.addi %17, %20 : tensor<32x64xi32, #blocked1>
    %22 = tile.splat %arg1 : tensor<32x64x!tile.ptr<bf16>, #blocked1>
    %23 = tile.addptr %22, %21 : tensor<32x64x!tile.ptr<bf16>, #blocked1>, tensor<32x64xi32, #blocked1>
    %24:3 = scf.for %arg4 = %c0_i32 to %arg3 step %c32_i32 iter_args(%arg5 = %cst_2, %arg6 = %14, %arg7 = %23) -> (tensor<64x64xf32, #mma>, tensor<64x32x!tile.ptr<bf16>, #blocked2>, tensor<32x64x!tile.ptr<bf16>, #blocked1>)  : i32 {
      %33 = arith.subi %arg3, %arg4 : i32
      %34 = tile.splat %33 : tensor<64x32xi32, #blocked2>
      %35 = arith.cmpi slt, %11, %34 : tensor<64x32xi32, #blocked2>
      %36 = tile.load %arg6, %35 : tensor<64x32x!tile.ptr<bf16>, #blocked2>
      %37 = tilegpu.local_alloc %36 : tensor<64x32xbf16, #blocked2> -> !tilegpu.memdesc<64x32xbf16, #shared>
      %38 = tile.load %arg7 : tensor<32x64x!tile.ptr<bf16>, #blocked1>
      %39 = tilegpu.local_alloc %38 : tensor<32x64xbf16, #blocked1> -> !tilegpu.memdesc<32x64xbf16, #shared1>
      %40 = tilegpu.local_load %37 : !tilegpu.memdesc<64x32xbf16, #shared> -> tensor<64x32xbf16, #dot_op>
      %41 = tilegpu.local_load %39 : !tilegpu.memdesc<32x64xbf16, #shared1> -> tensor<32x64xbf16, #dot_op1>
      %42 = tile.dot %40, %41, %arg5 : tensor<64x32xbf16, #dot_op>, tensor<32x64xbf16, #dot_op1> -> tensor<64x64xf32, #mma>
      %43 = tile.addptr %arg6, %cst_1 : tensor<64x32x!tile.ptr<bf16>, #blocked2>, tensor<64x32xi32, #blocked2>
      %44 = tile.addptr %arg7, %cst_0 : tensor<32x64x!tile.ptr<bf16>, #blocked1>, tensor<32x64xi32, #blocked1>
      scf.yield %42, %43, %44 : tensor<64x64xf32, #mma>, tensor<64x32x!tile.ptr<bf16>, #blocked2>, tensor<32x64x!tile.ptr<bf16>, #blocked1>
    }
    %25 = tile.splat %arg2 : tensor<64x64x!tile.ptr<f32>, #blocked>
    %26 = tile.expand_dims %1 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked>
    %27 = arith.muli %26, %cst : tensor<64x1xi32, #blocked>
    %28 = tile.broadcast %27 : tensor<64x1xi32, #blocked> -> tensor<64x64xi32, #blocked>
    %29 = tile.broadcast %18 : tensor<1x64xi32, #blocked> -> tensor<64x64xi32, #blocked>
    %30 = arith.addi %28, %29 : tensor<64x64xi32, #blocked>
    %31 = tile.addptr %25, %30 : tensor<64x64x!tile.ptr<f32>, #blocked>, tensor<64x64xi32, #blocked>
    %32 = tilegpu.convert_layout %24#0 : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #blocked>
    tile.store %31, %32 : tensor<64x64x!tile.ptr<f32>, #blocked>
    return
  }
}


// RUN: lacc-opt %s -split-input-file --tilegpu-software-pipeline=num-stages=3 | FileCheck %s
//
// A load the loop reads three ways (k in attention-like code): staged for a dot as it is, staged
// transposed for another (local_alloc(trans(k))), and in registers (extf). On sm_90a it becomes
// one cp.async stream: the ring's slot replaces the direct buffer, a memdesc_trans view of the
// slot replaces the transposed one, and the register uses read the slot back (local_load);
// no tile.load is left in the loop. The IR is what lacc makes of
//     k_blk = load(k + (start + r)[:, None] * 64 + c[None, :])
//     scores = dot(q_blk, k_blk, trans_b=True)
//     acc = dot((scores * k_blk.to(f32)).to(bf16), k_blk, acc=acc)
// Second case: the same loop for sm_80 (mma.sync holds operands in registers): the load stays.
// Third case: a program of 32 KB of shared memory, where the ring (3 x 8 KB) beside q's buffer and
// the largest scratch would not fit: the load stays.
// Fourth case: a load read only in registers (scaled before it is staged, as the lightning
// kernels' k): a ring in the load's own order, unswizzled, read back with local_load.
// Fifth and sixth: that loop in one branch of an scf.if whose other branch stages a 128x128
// tile (32 KB, and 64 KB of scratch to store a 128x128 f32 product). The branches never run
// together, so in 56 KB the loop's ring (24 KB) beside its own buffers and scratch fits and is
// taken; in 48 KB it does not.

// CHECK-LABEL: func.func @readback
// CHECK: %[[RING:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16, #{{.*}}>
// CHECK: tilegpu.async_copy_global_to_local
// CHECK: scf.for
// CHECK-NEXT: tilegpu.async_wait {num = 1 : i32}
// CHECK-NOT: tile.load
// CHECK: %[[SLOT:.*]] = tilegpu.memdesc_subview %[[RING]][%{{.*}}] : !tilegpu.memdesc<3x64x64xbf16, #{{.*}}> -> !tilegpu.memdesc<64x64xbf16, #[[K:shared[0-9]*]]>
// CHECK-NEXT: %[[REGS:.*]] = tilegpu.local_load %[[SLOT]] : !tilegpu.memdesc<64x64xbf16, #[[K]]> -> tensor<64x64xbf16, #blocked1>
// CHECK-NEXT: %[[KT:.*]] = tilegpu.memdesc_trans %[[SLOT]] {order = array<i32: 1, 0>} : !tilegpu.memdesc<64x64xbf16, #[[K]]> -> !tilegpu.memdesc<64x64xbf16, #[[KTL:shared[0-9]*]]>
// CHECK-NEXT: tilegpu.warp_group_dot %{{.*}}, %[[KT]], %{{.*}} : !tilegpu.memdesc<64x64xbf16, #[[K]]>, !tilegpu.memdesc<64x64xbf16, #[[KTL]]>
// CHECK-NEXT: arith.extf %[[REGS]]
// CHECK: tilegpu.warp_group_dot %{{.*}}, %[[SLOT]], %{{.*}} : tensor<64x64xbf16, #dot_op>, !tilegpu.memdesc<64x64xbf16, #[[K]]>
// CHECK: tilegpu.async_copy_global_to_local {{.*}} {ordered_by_loop_barrier}
// CHECK: scf.yield
// CHECK-NOT: tilegpu.local_alloc %

// CHECK-LABEL: func.func @readback_sm80
// CHECK-NOT: async_copy
// CHECK: scf.for
// CHECK: tile.load
// CHECK: tilegpu.local_alloc
// CHECK: tile.trans

// CHECK-LABEL: func.func @readback_small
// CHECK-NOT: async_copy
// CHECK: scf.for
// CHECK: tile.load

// The fourth case's layouts, printed before its function.
// CHECK-DAG: #[[RINGL:shared[0-9]*]] = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [2, 1, 0]}>
// CHECK-DAG: #[[SLOTL:shared[0-9]*]] = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]}>
// CHECK-LABEL: func.func @scaled
// CHECK: %[[RING:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16, #[[RINGL]]>
// CHECK: scf.for
// CHECK-NOT: tile.load
// CHECK: %[[SLOT:.*]] = tilegpu.memdesc_subview %[[RING]][%{{.*}}] : !tilegpu.memdesc<3x64x64xbf16, #[[RINGL]]> -> !tilegpu.memdesc<64x64xbf16, #[[SLOTL]]>
// CHECK-NEXT: %[[K:.*]] = tilegpu.local_load %[[SLOT]] : !tilegpu.memdesc<64x64xbf16, #[[SLOTL]]> -> tensor<64x64xbf16, #blocked>
// CHECK-NEXT: arith.mulf %[[K]]

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked2 = #tilegpu.blocked<{sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#shared1 = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
#dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#slice = #tilegpu.slice<{dim = 1, parent = #blocked}>
#slice1 = #tilegpu.slice<{dim = 1, parent = #blocked1}>
#slice2 = #tilegpu.slice<{dim = 0, parent = #blocked}>
#slice3 = #tilegpu.slice<{dim = 0, parent = #blocked1}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @readback(%arg0: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg1: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg2: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %arg3: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %cst = arith.constant dense<64> : tensor<64x1xi32, #blocked>
    %cst_0 = arith.constant dense<64> : tensor<64x1xi32, #blocked1>
    %c0_i32 = arith.constant 0 : i32
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #mma>
    %c64_i32 = arith.constant 64 : i32
    %0 = tile.make_range 0, 64 : tensor<64xi32, #slice>
    %1 = tile.make_range 0, 64 : tensor<64xi32, #slice1>
    %2 = tile.make_range 0, 64 : tensor<64xi32, #slice2>
    %3 = tile.make_range 0, 64 : tensor<64xi32, #slice3>
    %4 = tile.expand_dims %1 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked1>
    %5 = arith.muli %4, %cst_0 : tensor<64x1xi32, #blocked1>
    %6 = tile.splat %arg0 : tensor<64x1x!tile.ptr<bf16>, #blocked1>
    %7 = tile.addptr %6, %5 : tensor<64x1x!tile.ptr<bf16>, #blocked1>, tensor<64x1xi32, #blocked1>
    %8 = tile.expand_dims %3 {axis = 0 : i32} : tensor<64xi32, #slice3> -> tensor<1x64xi32, #blocked1>
    %9 = tile.broadcast %7 : tensor<64x1x!tile.ptr<bf16>, #blocked1> -> tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %10 = tile.broadcast %8 : tensor<1x64xi32, #blocked1> -> tensor<64x64xi32, #blocked1>
    %11 = tile.addptr %9, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked1>, tensor<64x64xi32, #blocked1>
    %12 = tile.load %11 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %13 = tilegpu.local_alloc %12 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
    %14 = scf.for %arg4 = %c0_i32 to %arg3 step %c64_i32 iter_args(%arg5 = %cst_1) -> (tensor<64x64xf32, #mma>)  : i32 {
      %24 = tile.splat %arg4 : tensor<64xi32, #slice1>
      %25 = arith.addi %24, %1 : tensor<64xi32, #slice1>
      %26 = tile.expand_dims %25 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked1>
      %27 = arith.muli %26, %cst_0 : tensor<64x1xi32, #blocked1>
      %28 = tile.splat %arg1 : tensor<64x1x!tile.ptr<bf16>, #blocked1>
      %29 = tile.addptr %28, %27 : tensor<64x1x!tile.ptr<bf16>, #blocked1>, tensor<64x1xi32, #blocked1>
      %30 = tile.broadcast %29 : tensor<64x1x!tile.ptr<bf16>, #blocked1> -> tensor<64x64x!tile.ptr<bf16>, #blocked1>
      %31 = tile.addptr %30, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked1>, tensor<64x64xi32, #blocked1>
      %32 = tile.load %31 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
      %33 = tilegpu.local_alloc %32 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %34 = tile.trans %32 {order = array<i32: 1, 0>} : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #blocked2>
      %35 = tilegpu.local_alloc %34 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared1>
      %36 = tilegpu.warp_group_dot %13, %35, %cst_1 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared1>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      %37 = arith.extf %32 : tensor<64x64xbf16, #blocked1> to tensor<64x64xf32, #blocked1>
      %38 = tilegpu.convert_layout %37 : tensor<64x64xf32, #blocked1> -> tensor<64x64xf32, #mma>
      %39 = arith.mulf %36, %38 : tensor<64x64xf32, #mma>
      %40 = arith.truncf %39 : tensor<64x64xf32, #mma> to tensor<64x64xbf16, #mma>
      %41 = tilegpu.convert_layout %40 : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #dot_op>
      %42 = tilegpu.warp_group_dot %41, %33, %arg5 : tensor<64x64xbf16, #dot_op>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      scf.yield %42 : tensor<64x64xf32, #mma>
    }
    %15 = tile.expand_dims %0 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked>
    %16 = arith.muli %15, %cst : tensor<64x1xi32, #blocked>
    %17 = tile.splat %arg2 : tensor<64x1x!tile.ptr<f32>, #blocked>
    %18 = tile.addptr %17, %16 : tensor<64x1x!tile.ptr<f32>, #blocked>, tensor<64x1xi32, #blocked>
    %19 = tile.expand_dims %2 {axis = 0 : i32} : tensor<64xi32, #slice2> -> tensor<1x64xi32, #blocked>
    %20 = tile.broadcast %18 : tensor<64x1x!tile.ptr<f32>, #blocked> -> tensor<64x64x!tile.ptr<f32>, #blocked>
    %21 = tile.broadcast %19 : tensor<1x64xi32, #blocked> -> tensor<64x64xi32, #blocked>
    %22 = tile.addptr %20, %21 : tensor<64x64x!tile.ptr<f32>, #blocked>, tensor<64x64xi32, #blocked>
    %23 = tilegpu.convert_layout %14 : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #blocked>
    tile.store %22, %23 : tensor<64x64x!tile.ptr<f32>, #blocked>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked2 = #tilegpu.blocked<{sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#shared1 = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1], chunk = 64}>
#target = #tilegpu.target<arch = "sm_80", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
#dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#slice = #tilegpu.slice<{dim = 1, parent = #blocked}>
#slice1 = #tilegpu.slice<{dim = 1, parent = #blocked1}>
#slice2 = #tilegpu.slice<{dim = 0, parent = #blocked}>
#slice3 = #tilegpu.slice<{dim = 0, parent = #blocked1}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @readback_sm80(%arg0: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg1: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg2: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %arg3: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %cst = arith.constant dense<64> : tensor<64x1xi32, #blocked>
    %cst_0 = arith.constant dense<64> : tensor<64x1xi32, #blocked1>
    %c0_i32 = arith.constant 0 : i32
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #mma>
    %c64_i32 = arith.constant 64 : i32
    %0 = tile.make_range 0, 64 : tensor<64xi32, #slice>
    %1 = tile.make_range 0, 64 : tensor<64xi32, #slice1>
    %2 = tile.make_range 0, 64 : tensor<64xi32, #slice2>
    %3 = tile.make_range 0, 64 : tensor<64xi32, #slice3>
    %4 = tile.expand_dims %1 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked1>
    %5 = arith.muli %4, %cst_0 : tensor<64x1xi32, #blocked1>
    %6 = tile.splat %arg0 : tensor<64x1x!tile.ptr<bf16>, #blocked1>
    %7 = tile.addptr %6, %5 : tensor<64x1x!tile.ptr<bf16>, #blocked1>, tensor<64x1xi32, #blocked1>
    %8 = tile.expand_dims %3 {axis = 0 : i32} : tensor<64xi32, #slice3> -> tensor<1x64xi32, #blocked1>
    %9 = tile.broadcast %7 : tensor<64x1x!tile.ptr<bf16>, #blocked1> -> tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %10 = tile.broadcast %8 : tensor<1x64xi32, #blocked1> -> tensor<64x64xi32, #blocked1>
    %11 = tile.addptr %9, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked1>, tensor<64x64xi32, #blocked1>
    %12 = tile.load %11 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %13 = tilegpu.local_alloc %12 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
    %14 = scf.for %arg4 = %c0_i32 to %arg3 step %c64_i32 iter_args(%arg5 = %cst_1) -> (tensor<64x64xf32, #mma>)  : i32 {
      %24 = tile.splat %arg4 : tensor<64xi32, #slice1>
      %25 = arith.addi %24, %1 : tensor<64xi32, #slice1>
      %26 = tile.expand_dims %25 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked1>
      %27 = arith.muli %26, %cst_0 : tensor<64x1xi32, #blocked1>
      %28 = tile.splat %arg1 : tensor<64x1x!tile.ptr<bf16>, #blocked1>
      %29 = tile.addptr %28, %27 : tensor<64x1x!tile.ptr<bf16>, #blocked1>, tensor<64x1xi32, #blocked1>
      %30 = tile.broadcast %29 : tensor<64x1x!tile.ptr<bf16>, #blocked1> -> tensor<64x64x!tile.ptr<bf16>, #blocked1>
      %31 = tile.addptr %30, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked1>, tensor<64x64xi32, #blocked1>
      %32 = tile.load %31 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
      %33 = tilegpu.local_alloc %32 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %34 = tile.trans %32 {order = array<i32: 1, 0>} : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #blocked2>
      %35 = tilegpu.local_alloc %34 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared1>
      %36 = tilegpu.warp_group_dot %13, %35, %cst_1 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared1>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      %37 = arith.extf %32 : tensor<64x64xbf16, #blocked1> to tensor<64x64xf32, #blocked1>
      %38 = tilegpu.convert_layout %37 : tensor<64x64xf32, #blocked1> -> tensor<64x64xf32, #mma>
      %39 = arith.mulf %36, %38 : tensor<64x64xf32, #mma>
      %40 = arith.truncf %39 : tensor<64x64xf32, #mma> to tensor<64x64xbf16, #mma>
      %41 = tilegpu.convert_layout %40 : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #dot_op>
      %42 = tilegpu.warp_group_dot %41, %33, %arg5 : tensor<64x64xbf16, #dot_op>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      scf.yield %42 : tensor<64x64xf32, #mma>
    }
    %15 = tile.expand_dims %0 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked>
    %16 = arith.muli %15, %cst : tensor<64x1xi32, #blocked>
    %17 = tile.splat %arg2 : tensor<64x1x!tile.ptr<f32>, #blocked>
    %18 = tile.addptr %17, %16 : tensor<64x1x!tile.ptr<f32>, #blocked>, tensor<64x1xi32, #blocked>
    %19 = tile.expand_dims %2 {axis = 0 : i32} : tensor<64xi32, #slice2> -> tensor<1x64xi32, #blocked>
    %20 = tile.broadcast %18 : tensor<64x1x!tile.ptr<f32>, #blocked> -> tensor<64x64x!tile.ptr<f32>, #blocked>
    %21 = tile.broadcast %19 : tensor<1x64xi32, #blocked> -> tensor<64x64xi32, #blocked>
    %22 = tile.addptr %20, %21 : tensor<64x64x!tile.ptr<f32>, #blocked>, tensor<64x64xi32, #blocked>
    %23 = tilegpu.convert_layout %14 : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #blocked>
    tile.store %22, %23 : tensor<64x64x!tile.ptr<f32>, #blocked>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked2 = #tilegpu.blocked<{sizePerThread = [8, 1], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [0, 1]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#shared1 = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 32768, numSMs = 0>
#dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#slice = #tilegpu.slice<{dim = 1, parent = #blocked}>
#slice1 = #tilegpu.slice<{dim = 1, parent = #blocked1}>
#slice2 = #tilegpu.slice<{dim = 0, parent = #blocked}>
#slice3 = #tilegpu.slice<{dim = 0, parent = #blocked1}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @readback_small(%arg0: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg1: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg2: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %arg3: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %cst = arith.constant dense<64> : tensor<64x1xi32, #blocked>
    %cst_0 = arith.constant dense<64> : tensor<64x1xi32, #blocked1>
    %c0_i32 = arith.constant 0 : i32
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #mma>
    %c64_i32 = arith.constant 64 : i32
    %0 = tile.make_range 0, 64 : tensor<64xi32, #slice>
    %1 = tile.make_range 0, 64 : tensor<64xi32, #slice1>
    %2 = tile.make_range 0, 64 : tensor<64xi32, #slice2>
    %3 = tile.make_range 0, 64 : tensor<64xi32, #slice3>
    %4 = tile.expand_dims %1 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked1>
    %5 = arith.muli %4, %cst_0 : tensor<64x1xi32, #blocked1>
    %6 = tile.splat %arg0 : tensor<64x1x!tile.ptr<bf16>, #blocked1>
    %7 = tile.addptr %6, %5 : tensor<64x1x!tile.ptr<bf16>, #blocked1>, tensor<64x1xi32, #blocked1>
    %8 = tile.expand_dims %3 {axis = 0 : i32} : tensor<64xi32, #slice3> -> tensor<1x64xi32, #blocked1>
    %9 = tile.broadcast %7 : tensor<64x1x!tile.ptr<bf16>, #blocked1> -> tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %10 = tile.broadcast %8 : tensor<1x64xi32, #blocked1> -> tensor<64x64xi32, #blocked1>
    %11 = tile.addptr %9, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked1>, tensor<64x64xi32, #blocked1>
    %12 = tile.load %11 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %13 = tilegpu.local_alloc %12 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
    %14 = scf.for %arg4 = %c0_i32 to %arg3 step %c64_i32 iter_args(%arg5 = %cst_1) -> (tensor<64x64xf32, #mma>)  : i32 {
      %24 = tile.splat %arg4 : tensor<64xi32, #slice1>
      %25 = arith.addi %24, %1 : tensor<64xi32, #slice1>
      %26 = tile.expand_dims %25 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked1>
      %27 = arith.muli %26, %cst_0 : tensor<64x1xi32, #blocked1>
      %28 = tile.splat %arg1 : tensor<64x1x!tile.ptr<bf16>, #blocked1>
      %29 = tile.addptr %28, %27 : tensor<64x1x!tile.ptr<bf16>, #blocked1>, tensor<64x1xi32, #blocked1>
      %30 = tile.broadcast %29 : tensor<64x1x!tile.ptr<bf16>, #blocked1> -> tensor<64x64x!tile.ptr<bf16>, #blocked1>
      %31 = tile.addptr %30, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked1>, tensor<64x64xi32, #blocked1>
      %32 = tile.load %31 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
      %33 = tilegpu.local_alloc %32 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %34 = tile.trans %32 {order = array<i32: 1, 0>} : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #blocked2>
      %35 = tilegpu.local_alloc %34 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared1>
      %36 = tilegpu.warp_group_dot %13, %35, %cst_1 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared1>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      %37 = arith.extf %32 : tensor<64x64xbf16, #blocked1> to tensor<64x64xf32, #blocked1>
      %38 = tilegpu.convert_layout %37 : tensor<64x64xf32, #blocked1> -> tensor<64x64xf32, #mma>
      %39 = arith.mulf %36, %38 : tensor<64x64xf32, #mma>
      %40 = arith.truncf %39 : tensor<64x64xf32, #mma> to tensor<64x64xbf16, #mma>
      %41 = tilegpu.convert_layout %40 : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #dot_op>
      %42 = tilegpu.warp_group_dot %41, %33, %arg5 : tensor<64x64xbf16, #dot_op>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      scf.yield %42 : tensor<64x64xf32, #mma>
    }
    %15 = tile.expand_dims %0 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked>
    %16 = arith.muli %15, %cst : tensor<64x1xi32, #blocked>
    %17 = tile.splat %arg2 : tensor<64x1x!tile.ptr<f32>, #blocked>
    %18 = tile.addptr %17, %16 : tensor<64x1x!tile.ptr<f32>, #blocked>, tensor<64x1xi32, #blocked>
    %19 = tile.expand_dims %2 {axis = 0 : i32} : tensor<64xi32, #slice2> -> tensor<1x64xi32, #blocked>
    %20 = tile.broadcast %18 : tensor<64x1x!tile.ptr<f32>, #blocked> -> tensor<64x64x!tile.ptr<f32>, #blocked>
    %21 = tile.broadcast %19 : tensor<1x64xi32, #blocked> -> tensor<64x64xi32, #blocked>
    %22 = tile.addptr %20, %21 : tensor<64x64x!tile.ptr<f32>, #blocked>, tensor<64x64xi32, #blocked>
    %23 = tilegpu.convert_layout %14 : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #blocked>
    tile.store %22, %23 : tensor<64x64x!tile.ptr<f32>, #blocked>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
#slice = #tilegpu.slice<{dim = 1, parent = #blocked1}>
#slice1 = #tilegpu.slice<{dim = 1, parent = #blocked}>
#slice2 = #tilegpu.slice<{dim = 0, parent = #blocked1}>
#slice3 = #tilegpu.slice<{dim = 0, parent = #blocked}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @scaled(%arg0: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg1: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg2: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %arg3: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %cst = arith.constant dense<2.000000e+00> : tensor<64x64xbf16, #blocked>
    %cst_0 = arith.constant dense<64> : tensor<64x1xi32, #blocked1>
    %cst_1 = arith.constant dense<64> : tensor<64x1xi32, #blocked>
    %c0_i32 = arith.constant 0 : i32
    %cst_2 = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #mma>
    %c64_i32 = arith.constant 64 : i32
    %0 = tile.make_range 0, 64 : tensor<64xi32, #slice>
    %1 = tile.make_range 0, 64 : tensor<64xi32, #slice1>
    %2 = tile.make_range 0, 64 : tensor<64xi32, #slice2>
    %3 = tile.make_range 0, 64 : tensor<64xi32, #slice3>
    %4 = tile.expand_dims %1 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked>
    %5 = arith.muli %4, %cst_1 : tensor<64x1xi32, #blocked>
    %6 = tile.splat %arg0 : tensor<64x1x!tile.ptr<bf16>, #blocked>
    %7 = tile.addptr %6, %5 : tensor<64x1x!tile.ptr<bf16>, #blocked>, tensor<64x1xi32, #blocked>
    %8 = tile.expand_dims %3 {axis = 0 : i32} : tensor<64xi32, #slice3> -> tensor<1x64xi32, #blocked>
    %9 = tile.broadcast %7 : tensor<64x1x!tile.ptr<bf16>, #blocked> -> tensor<64x64x!tile.ptr<bf16>, #blocked>
    %10 = tile.broadcast %8 : tensor<1x64xi32, #blocked> -> tensor<64x64xi32, #blocked>
    %11 = tile.addptr %9, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked>, tensor<64x64xi32, #blocked>
    %12 = tile.load %11 : tensor<64x64x!tile.ptr<bf16>, #blocked>
    %13 = tilegpu.local_alloc %12 : tensor<64x64xbf16, #blocked> -> !tilegpu.memdesc<64x64xbf16, #shared>
    %14 = scf.for %arg4 = %c0_i32 to %arg3 step %c64_i32 iter_args(%arg5 = %cst_2) -> (tensor<64x64xf32, #mma>)  : i32 {
      %24 = tile.splat %arg4 : tensor<64xi32, #slice1>
      %25 = arith.addi %24, %1 : tensor<64xi32, #slice1>
      %26 = tile.expand_dims %25 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked>
      %27 = arith.muli %26, %cst_1 : tensor<64x1xi32, #blocked>
      %28 = tile.splat %arg1 : tensor<64x1x!tile.ptr<bf16>, #blocked>
      %29 = tile.addptr %28, %27 : tensor<64x1x!tile.ptr<bf16>, #blocked>, tensor<64x1xi32, #blocked>
      %30 = tile.broadcast %29 : tensor<64x1x!tile.ptr<bf16>, #blocked> -> tensor<64x64x!tile.ptr<bf16>, #blocked>
      %31 = tile.addptr %30, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked>, tensor<64x64xi32, #blocked>
      %32 = tile.load %31 : tensor<64x64x!tile.ptr<bf16>, #blocked>
      %33 = arith.mulf %32, %cst : tensor<64x64xbf16, #blocked>
      %34 = tilegpu.local_alloc %33 : tensor<64x64xbf16, #blocked> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %35 = tilegpu.warp_group_dot %13, %34, %arg5 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      scf.yield %35 : tensor<64x64xf32, #mma>
    }
    %15 = tile.expand_dims %0 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked1>
    %16 = arith.muli %15, %cst_0 : tensor<64x1xi32, #blocked1>
    %17 = tile.splat %arg2 : tensor<64x1x!tile.ptr<f32>, #blocked1>
    %18 = tile.addptr %17, %16 : tensor<64x1x!tile.ptr<f32>, #blocked1>, tensor<64x1xi32, #blocked1>
    %19 = tile.expand_dims %2 {axis = 0 : i32} : tensor<64xi32, #slice2> -> tensor<1x64xi32, #blocked1>
    %20 = tile.broadcast %18 : tensor<64x1x!tile.ptr<f32>, #blocked1> -> tensor<64x64x!tile.ptr<f32>, #blocked1>
    %21 = tile.broadcast %19 : tensor<1x64xi32, #blocked1> -> tensor<64x64xi32, #blocked1>
    %22 = tile.addptr %20, %21 : tensor<64x64x!tile.ptr<f32>, #blocked1>, tensor<64x64xi32, #blocked1>
    %23 = tilegpu.convert_layout %14 : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #blocked1>
    tile.store %22, %23 : tensor<64x64x!tile.ptr<f32>, #blocked1>
    return
  }
}

// CHECK-LABEL: func.func @branches_fit
// CHECK: scf.if
// CHECK: tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16
// CHECK: scf.for
// CHECK-NOT: tile.load
// CHECK: tilegpu.local_load
// CHECK: } else {

// CHECK-LABEL: func.func @branches_tight
// CHECK: scf.if
// CHECK-NOT: async_copy
// CHECK: scf.for
// CHECK: tile.load
// CHECK: } else {

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [1, 32], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked2 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked3 = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 128]}>
#mma1 = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 57344, numSMs = 0>
#slice = #tilegpu.slice<{dim = 1, parent = #blocked3}>
#slice1 = #tilegpu.slice<{dim = 1, parent = #blocked2}>
#slice2 = #tilegpu.slice<{dim = 0, parent = #blocked3}>
#slice3 = #tilegpu.slice<{dim = 0, parent = #blocked2}>
#slice4 = #tilegpu.slice<{dim = 0, parent = #blocked}>
#slice5 = #tilegpu.slice<{dim = 1, parent = #blocked}>
#slice6 = #tilegpu.slice<{dim = 0, parent = #blocked1}>
#slice7 = #tilegpu.slice<{dim = 1, parent = #blocked1}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @branches_fit(%arg0: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg1: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg2: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %arg3: i32 {tile.divisibility = 16 : i32}, %arg4: i32) attributes {tile.kernel} {
    %cst = arith.constant dense<128> : tensor<128x1xi32, #blocked>
    %cst_0 = arith.constant dense<128> : tensor<128x1xi32, #blocked1>
    %cst_1 = arith.constant dense<2.000000e+00> : tensor<64x64xbf16, #blocked2>
    %cst_2 = arith.constant dense<64> : tensor<64x1xi32, #blocked3>
    %cst_3 = arith.constant dense<64> : tensor<64x1xi32, #blocked2>
    %cst_4 = arith.constant dense<0.000000e+00> : tensor<128x128xf32, #mma>
    %cst_5 = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #mma1>
    %c0_i32 = arith.constant 0 : i32
    %c64_i32 = arith.constant 64 : i32
    %0 = tile.make_range 0, 64 : tensor<64xi32, #slice>
    %1 = tile.make_range 0, 64 : tensor<64xi32, #slice1>
    %2 = tile.make_range 0, 64 : tensor<64xi32, #slice2>
    %3 = tile.make_range 0, 64 : tensor<64xi32, #slice3>
    %4 = tile.expand_dims %1 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked2>
    %5 = arith.muli %4, %cst_3 : tensor<64x1xi32, #blocked2>
    %6 = tile.splat %arg0 : tensor<64x1x!tile.ptr<bf16>, #blocked2>
    %7 = tile.addptr %6, %5 : tensor<64x1x!tile.ptr<bf16>, #blocked2>, tensor<64x1xi32, #blocked2>
    %8 = tile.expand_dims %3 {axis = 0 : i32} : tensor<64xi32, #slice3> -> tensor<1x64xi32, #blocked2>
    %9 = tile.broadcast %7 : tensor<64x1x!tile.ptr<bf16>, #blocked2> -> tensor<64x64x!tile.ptr<bf16>, #blocked2>
    %10 = tile.broadcast %8 : tensor<1x64xi32, #blocked2> -> tensor<64x64xi32, #blocked2>
    %11 = tile.addptr %9, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked2>, tensor<64x64xi32, #blocked2>
    %12 = tile.load %11 : tensor<64x64x!tile.ptr<bf16>, #blocked2>
    %13 = tilegpu.local_alloc %12 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared>
    %14 = arith.cmpi sgt, %arg4, %c0_i32 : i32
    scf.if %14 {
      %15 = scf.for %arg5 = %c0_i32 to %arg3 step %c64_i32 iter_args(%arg6 = %cst_5) -> (tensor<64x64xf32, #mma1>)  : i32 {
        %25 = tile.splat %arg5 : tensor<64xi32, #slice1>
        %26 = arith.addi %25, %1 : tensor<64xi32, #slice1>
        %27 = tile.expand_dims %26 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked2>
        %28 = arith.muli %27, %cst_3 : tensor<64x1xi32, #blocked2>
        %29 = tile.splat %arg1 : tensor<64x1x!tile.ptr<bf16>, #blocked2>
        %30 = tile.addptr %29, %28 : tensor<64x1x!tile.ptr<bf16>, #blocked2>, tensor<64x1xi32, #blocked2>
        %31 = tile.broadcast %30 : tensor<64x1x!tile.ptr<bf16>, #blocked2> -> tensor<64x64x!tile.ptr<bf16>, #blocked2>
        %32 = tile.addptr %31, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked2>, tensor<64x64xi32, #blocked2>
        %33 = tile.load %32 : tensor<64x64x!tile.ptr<bf16>, #blocked2>
        %34 = arith.mulf %33, %cst_1 : tensor<64x64xbf16, #blocked2>
        %35 = tilegpu.local_alloc %34 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared>
        %36 = tilegpu.warp_group_dot %13, %35, %arg6 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma1> -> tensor<64x64xf32, #mma1>
        scf.yield %36 : tensor<64x64xf32, #mma1>
      }
      %16 = tile.expand_dims %0 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked3>
      %17 = arith.muli %16, %cst_2 : tensor<64x1xi32, #blocked3>
      %18 = tile.splat %arg2 : tensor<64x1x!tile.ptr<f32>, #blocked3>
      %19 = tile.addptr %18, %17 : tensor<64x1x!tile.ptr<f32>, #blocked3>, tensor<64x1xi32, #blocked3>
      %20 = tile.expand_dims %2 {axis = 0 : i32} : tensor<64xi32, #slice2> -> tensor<1x64xi32, #blocked3>
      %21 = tile.broadcast %19 : tensor<64x1x!tile.ptr<f32>, #blocked3> -> tensor<64x64x!tile.ptr<f32>, #blocked3>
      %22 = tile.broadcast %20 : tensor<1x64xi32, #blocked3> -> tensor<64x64xi32, #blocked3>
      %23 = tile.addptr %21, %22 : tensor<64x64x!tile.ptr<f32>, #blocked3>, tensor<64x64xi32, #blocked3>
      %24 = tilegpu.convert_layout %15 : tensor<64x64xf32, #mma1> -> tensor<64x64xf32, #blocked3>
      tile.store %23, %24 : tensor<64x64x!tile.ptr<f32>, #blocked3>
    } else {
      %15 = tile.make_range 0, 128 : tensor<128xi32, #slice4>
      %16 = tile.make_range 0, 128 : tensor<128xi32, #slice5>
      %17 = tile.make_range 0, 128 : tensor<128xi32, #slice6>
      %18 = tile.make_range 0, 128 : tensor<128xi32, #slice7>
      %19 = tile.expand_dims %18 {axis = 1 : i32} : tensor<128xi32, #slice7> -> tensor<128x1xi32, #blocked1>
      %20 = arith.muli %19, %cst_0 : tensor<128x1xi32, #blocked1>
      %21 = tile.splat %arg1 : tensor<128x1x!tile.ptr<bf16>, #blocked1>
      %22 = tile.addptr %21, %20 : tensor<128x1x!tile.ptr<bf16>, #blocked1>, tensor<128x1xi32, #blocked1>
      %23 = tile.expand_dims %17 {axis = 0 : i32} : tensor<128xi32, #slice6> -> tensor<1x128xi32, #blocked1>
      %24 = tile.broadcast %22 : tensor<128x1x!tile.ptr<bf16>, #blocked1> -> tensor<128x128x!tile.ptr<bf16>, #blocked1>
      %25 = tile.broadcast %23 : tensor<1x128xi32, #blocked1> -> tensor<128x128xi32, #blocked1>
      %26 = tile.addptr %24, %25 : tensor<128x128x!tile.ptr<bf16>, #blocked1>, tensor<128x128xi32, #blocked1>
      %27 = tile.load %26 : tensor<128x128x!tile.ptr<bf16>, #blocked1>
      %28 = tilegpu.local_alloc %27 : tensor<128x128xbf16, #blocked1> -> !tilegpu.memdesc<128x128xbf16, #shared>
      %29 = tile.expand_dims %16 {axis = 1 : i32} : tensor<128xi32, #slice5> -> tensor<128x1xi32, #blocked>
      %30 = arith.muli %29, %cst : tensor<128x1xi32, #blocked>
      %31 = tile.splat %arg2 : tensor<128x1x!tile.ptr<f32>, #blocked>
      %32 = tile.addptr %31, %30 : tensor<128x1x!tile.ptr<f32>, #blocked>, tensor<128x1xi32, #blocked>
      %33 = tile.expand_dims %15 {axis = 0 : i32} : tensor<128xi32, #slice4> -> tensor<1x128xi32, #blocked>
      %34 = tile.broadcast %32 : tensor<128x1x!tile.ptr<f32>, #blocked> -> tensor<128x128x!tile.ptr<f32>, #blocked>
      %35 = tile.broadcast %33 : tensor<1x128xi32, #blocked> -> tensor<128x128xi32, #blocked>
      %36 = tile.addptr %34, %35 : tensor<128x128x!tile.ptr<f32>, #blocked>, tensor<128x128xi32, #blocked>
      %37 = tilegpu.warp_group_dot %28, %28, %cst_4 : !tilegpu.memdesc<128x128xbf16, #shared>, !tilegpu.memdesc<128x128xbf16, #shared>, tensor<128x128xf32, #mma> -> tensor<128x128xf32, #mma>
      %38 = tilegpu.convert_layout %37 : tensor<128x128xf32, #mma> -> tensor<128x128xf32, #blocked>
      tile.store %36, %38 : tensor<128x128x!tile.ptr<f32>, #blocked>
    }
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [1, 32], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked2 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked3 = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 128]}>
#mma1 = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 49152, numSMs = 0>
#slice = #tilegpu.slice<{dim = 1, parent = #blocked3}>
#slice1 = #tilegpu.slice<{dim = 1, parent = #blocked2}>
#slice2 = #tilegpu.slice<{dim = 0, parent = #blocked3}>
#slice3 = #tilegpu.slice<{dim = 0, parent = #blocked2}>
#slice4 = #tilegpu.slice<{dim = 0, parent = #blocked}>
#slice5 = #tilegpu.slice<{dim = 1, parent = #blocked}>
#slice6 = #tilegpu.slice<{dim = 0, parent = #blocked1}>
#slice7 = #tilegpu.slice<{dim = 1, parent = #blocked1}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @branches_tight(%arg0: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg1: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %arg2: !tile.ptr<f32> {tile.divisibility = 16 : i32}, %arg3: i32 {tile.divisibility = 16 : i32}, %arg4: i32) attributes {tile.kernel} {
    %cst = arith.constant dense<128> : tensor<128x1xi32, #blocked>
    %cst_0 = arith.constant dense<128> : tensor<128x1xi32, #blocked1>
    %cst_1 = arith.constant dense<2.000000e+00> : tensor<64x64xbf16, #blocked2>
    %cst_2 = arith.constant dense<64> : tensor<64x1xi32, #blocked3>
    %cst_3 = arith.constant dense<64> : tensor<64x1xi32, #blocked2>
    %cst_4 = arith.constant dense<0.000000e+00> : tensor<128x128xf32, #mma>
    %cst_5 = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #mma1>
    %c0_i32 = arith.constant 0 : i32
    %c64_i32 = arith.constant 64 : i32
    %0 = tile.make_range 0, 64 : tensor<64xi32, #slice>
    %1 = tile.make_range 0, 64 : tensor<64xi32, #slice1>
    %2 = tile.make_range 0, 64 : tensor<64xi32, #slice2>
    %3 = tile.make_range 0, 64 : tensor<64xi32, #slice3>
    %4 = tile.expand_dims %1 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked2>
    %5 = arith.muli %4, %cst_3 : tensor<64x1xi32, #blocked2>
    %6 = tile.splat %arg0 : tensor<64x1x!tile.ptr<bf16>, #blocked2>
    %7 = tile.addptr %6, %5 : tensor<64x1x!tile.ptr<bf16>, #blocked2>, tensor<64x1xi32, #blocked2>
    %8 = tile.expand_dims %3 {axis = 0 : i32} : tensor<64xi32, #slice3> -> tensor<1x64xi32, #blocked2>
    %9 = tile.broadcast %7 : tensor<64x1x!tile.ptr<bf16>, #blocked2> -> tensor<64x64x!tile.ptr<bf16>, #blocked2>
    %10 = tile.broadcast %8 : tensor<1x64xi32, #blocked2> -> tensor<64x64xi32, #blocked2>
    %11 = tile.addptr %9, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked2>, tensor<64x64xi32, #blocked2>
    %12 = tile.load %11 : tensor<64x64x!tile.ptr<bf16>, #blocked2>
    %13 = tilegpu.local_alloc %12 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared>
    %14 = arith.cmpi sgt, %arg4, %c0_i32 : i32
    scf.if %14 {
      %15 = scf.for %arg5 = %c0_i32 to %arg3 step %c64_i32 iter_args(%arg6 = %cst_5) -> (tensor<64x64xf32, #mma1>)  : i32 {
        %25 = tile.splat %arg5 : tensor<64xi32, #slice1>
        %26 = arith.addi %25, %1 : tensor<64xi32, #slice1>
        %27 = tile.expand_dims %26 {axis = 1 : i32} : tensor<64xi32, #slice1> -> tensor<64x1xi32, #blocked2>
        %28 = arith.muli %27, %cst_3 : tensor<64x1xi32, #blocked2>
        %29 = tile.splat %arg1 : tensor<64x1x!tile.ptr<bf16>, #blocked2>
        %30 = tile.addptr %29, %28 : tensor<64x1x!tile.ptr<bf16>, #blocked2>, tensor<64x1xi32, #blocked2>
        %31 = tile.broadcast %30 : tensor<64x1x!tile.ptr<bf16>, #blocked2> -> tensor<64x64x!tile.ptr<bf16>, #blocked2>
        %32 = tile.addptr %31, %10 : tensor<64x64x!tile.ptr<bf16>, #blocked2>, tensor<64x64xi32, #blocked2>
        %33 = tile.load %32 : tensor<64x64x!tile.ptr<bf16>, #blocked2>
        %34 = arith.mulf %33, %cst_1 : tensor<64x64xbf16, #blocked2>
        %35 = tilegpu.local_alloc %34 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared>
        %36 = tilegpu.warp_group_dot %13, %35, %arg6 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma1> -> tensor<64x64xf32, #mma1>
        scf.yield %36 : tensor<64x64xf32, #mma1>
      }
      %16 = tile.expand_dims %0 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked3>
      %17 = arith.muli %16, %cst_2 : tensor<64x1xi32, #blocked3>
      %18 = tile.splat %arg2 : tensor<64x1x!tile.ptr<f32>, #blocked3>
      %19 = tile.addptr %18, %17 : tensor<64x1x!tile.ptr<f32>, #blocked3>, tensor<64x1xi32, #blocked3>
      %20 = tile.expand_dims %2 {axis = 0 : i32} : tensor<64xi32, #slice2> -> tensor<1x64xi32, #blocked3>
      %21 = tile.broadcast %19 : tensor<64x1x!tile.ptr<f32>, #blocked3> -> tensor<64x64x!tile.ptr<f32>, #blocked3>
      %22 = tile.broadcast %20 : tensor<1x64xi32, #blocked3> -> tensor<64x64xi32, #blocked3>
      %23 = tile.addptr %21, %22 : tensor<64x64x!tile.ptr<f32>, #blocked3>, tensor<64x64xi32, #blocked3>
      %24 = tilegpu.convert_layout %15 : tensor<64x64xf32, #mma1> -> tensor<64x64xf32, #blocked3>
      tile.store %23, %24 : tensor<64x64x!tile.ptr<f32>, #blocked3>
    } else {
      %15 = tile.make_range 0, 128 : tensor<128xi32, #slice4>
      %16 = tile.make_range 0, 128 : tensor<128xi32, #slice5>
      %17 = tile.make_range 0, 128 : tensor<128xi32, #slice6>
      %18 = tile.make_range 0, 128 : tensor<128xi32, #slice7>
      %19 = tile.expand_dims %18 {axis = 1 : i32} : tensor<128xi32, #slice7> -> tensor<128x1xi32, #blocked1>
      %20 = arith.muli %19, %cst_0 : tensor<128x1xi32, #blocked1>
      %21 = tile.splat %arg1 : tensor<128x1x!tile.ptr<bf16>, #blocked1>
      %22 = tile.addptr %21, %20 : tensor<128x1x!tile.ptr<bf16>, #blocked1>, tensor<128x1xi32, #blocked1>
      %23 = tile.expand_dims %17 {axis = 0 : i32} : tensor<128xi32, #slice6> -> tensor<1x128xi32, #blocked1>
      %24 = tile.broadcast %22 : tensor<128x1x!tile.ptr<bf16>, #blocked1> -> tensor<128x128x!tile.ptr<bf16>, #blocked1>
      %25 = tile.broadcast %23 : tensor<1x128xi32, #blocked1> -> tensor<128x128xi32, #blocked1>
      %26 = tile.addptr %24, %25 : tensor<128x128x!tile.ptr<bf16>, #blocked1>, tensor<128x128xi32, #blocked1>
      %27 = tile.load %26 : tensor<128x128x!tile.ptr<bf16>, #blocked1>
      %28 = tilegpu.local_alloc %27 : tensor<128x128xbf16, #blocked1> -> !tilegpu.memdesc<128x128xbf16, #shared>
      %29 = tile.expand_dims %16 {axis = 1 : i32} : tensor<128xi32, #slice5> -> tensor<128x1xi32, #blocked>
      %30 = arith.muli %29, %cst : tensor<128x1xi32, #blocked>
      %31 = tile.splat %arg2 : tensor<128x1x!tile.ptr<f32>, #blocked>
      %32 = tile.addptr %31, %30 : tensor<128x1x!tile.ptr<f32>, #blocked>, tensor<128x1xi32, #blocked>
      %33 = tile.expand_dims %15 {axis = 0 : i32} : tensor<128xi32, #slice4> -> tensor<1x128xi32, #blocked>
      %34 = tile.broadcast %32 : tensor<128x1x!tile.ptr<f32>, #blocked> -> tensor<128x128x!tile.ptr<f32>, #blocked>
      %35 = tile.broadcast %33 : tensor<1x128xi32, #blocked> -> tensor<128x128xi32, #blocked>
      %36 = tile.addptr %34, %35 : tensor<128x128x!tile.ptr<f32>, #blocked>, tensor<128x128xi32, #blocked>
      %37 = tilegpu.warp_group_dot %28, %28, %cst_4 : !tilegpu.memdesc<128x128xbf16, #shared>, !tilegpu.memdesc<128x128xbf16, #shared>, tensor<128x128xf32, #mma> -> tensor<128x128xf32, #mma>
      %38 = tilegpu.convert_layout %37 : tensor<128x128xf32, #mma> -> tensor<128x128xf32, #blocked>
      tile.store %36, %38 : tensor<128x128x!tile.ptr<f32>, #blocked>
    }
    return
  }
}

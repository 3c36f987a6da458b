// RUN: lacc-opt %s -split-input-file --tilegpu-software-pipeline=num-stages=3 | FileCheck %s
// RUN: lacc-opt %s -split-input-file --tilegpu-software-pipeline=num-stages=3 --tilegpu-allocate-shared-memory --tilegpu-insert-barriers | FileCheck %s --check-prefix=BAR
//
// tilegpu-software-pipeline on the loop of kernels/tests/tma_rank3.tile (the IR the pass sees for
// sm_90a): q, k and v are loads of rank-3 tensor descriptors (block 1x64x64, read as 64x64
// tiles), as the lightning kernels walk (b*h, n, D) tensors. All three are TMA streams:
//   - one tensor map per descriptor, rank 3: its box 1x64x64, the shape (BH, n, 64) and strides
//     (stride_bh, 64, 1) as parameters 6, 7, 8 and constants;
//   - the copies take three coordinates, [bh, row, 0], the row moved on as the loop's;
//   - k is read back: the wgmma of q K^T reads its slot through a memdesc_trans view, and
//     k * w reads it into registers with local_load, after the slot's barrier wait; v is staged
//     for two dots; no descriptor load is left in the loop. (w, a pointer load read only in
//     registers, is a cp.async stream beside them.)
// With barriers placed (prefix BAR): none between the wait and the reads; a CTA barrier before
// the copies that refill slots the iteration read.
// Second case: the same loop in 88 KB of shared memory: the read-back streams (w, then k) are
// dropped, as cp.async read-back streams are; q and v, only staged, stay TMA streams, and k stays
// a descriptor load (a one-shot TMA copy, tilegpu-lower-descriptor-loads).

// CHECK-LABEL: func.func @rank3_walk(
// CHECK-SAME: %[[MQ:arg9]]: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 0 : i64, box = array<i64: 1, 64, 64>, constants = array<i64: 0, 0, 64, 0, 64, 1>, element_bytes = 2 : i64, params = array<i64: 6, 7, -1, 8, -1, -1>, swizzle = 128 : i64}}
// CHECK-SAME: %[[MK:arg10]]: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 1 : i64, box = array<i64: 1, 64, 64>
// CHECK-SAME: %[[MV:arg11]]: !tilegpu.tensor_map {tilegpu.tensor_map = {base = 2 : i64, box = array<i64: 1, 64, 64>
// CHECK: %[[BH:.*]] = tile.program_id 0
// CHECK: %[[RQ:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16
// CHECK: %[[RK:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16
// CHECK: %[[RV:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16
// CHECK: %[[BARS:.*]] = tilegpu.local_alloc -> !tilegpu.memdesc<3x1xi64
// CHECK: tilegpu.barrier_expect %{{.*}}, 24576
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MQ]][%[[BH]], %c0_i32, %c0_i32]
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MK]][%[[BH]], %c0_i32, %c0_i32]
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MV]][%[[BH]], %c0_i32, %c0_i32]
// CHECK: scf.for %[[I:.*]] = {{.*}} iter_args(%{{.*}} = %{{.*}}, %[[READ:.*]] = %{{.*}}, %[[WRITE:.*]] = %{{.*}}, %[[PHASE:.*]] = %{{.*}})
// CHECK-NOT: tile.descriptor_load
// CHECK: %[[WB:.*]] = tilegpu.memdesc_subview %[[BARS]][%[[READ]]]
// CHECK-NEXT: tilegpu.wait_barrier %[[WB]], %[[PHASE]]
// CHECK-NOT: tile.descriptor_load
// CHECK: %[[KS:.*]] = tilegpu.memdesc_subview %[[RK]][%[[READ]]] : !tilegpu.memdesc<3x64x64xbf16, #{{.*}}> -> !tilegpu.memdesc<64x64xbf16, #[[KL:shared[0-9]*]]>
// CHECK-NEXT: %[[KREGS:.*]] = tilegpu.local_load %[[KS]] : !tilegpu.memdesc<64x64xbf16, #[[KL]]> -> tensor<64x64xbf16
// CHECK-NEXT: %[[KT:.*]] = tilegpu.memdesc_trans %[[KS]] {order = array<i32: 1, 0>}
// CHECK: tilegpu.warp_group_dot %{{.*}}, %[[KT]], %{{.*}}
// CHECK: arith.extf %[[KREGS]]
// CHECK: %[[NEXT:.*]] = arith.addi %[[I]], %{{.*}} : i32
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MQ]][%[[BH]], %[[NEXT]], %c0_i32]
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MK]][%[[BH]], %[[NEXT]], %c0_i32] %{{.*}}, %{{.*}}, %{{.*}} : !tilegpu.memdesc<64x64xbf16, #[[KL]]>
// CHECK: tilegpu.async_tma_copy_global_to_local %[[MV]][%[[BH]], %[[NEXT]], %c0_i32]
// CHECK: scf.yield
// CHECK-NOT: tile.descriptor_load
// CHECK-COUNT-3: tilegpu.inval_barrier

// BAR-LABEL: func.func @rank3_walk(
// BAR: scf.for
// BAR: tilegpu.wait_barrier
// BAR-NOT: tilegpu.barrier{{ *$}}
// BAR: tilegpu.local_load
// BAR: tilegpu.barrier{{ *$}}
// BAR: tilegpu.warp_group_dot
// BAR: tilegpu.barrier{{ *$}}
// BAR: tilegpu.async_tma_copy_global_to_local
// BAR: scf.yield

// CHECK-LABEL: func.func @rank3_walk_small(
// CHECK: tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16
// CHECK: tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16
// CHECK-NOT: tilegpu.local_alloc -> !tilegpu.memdesc<3x64x64xbf16
// CHECK: tilegpu.local_alloc -> !tilegpu.memdesc<3x1xi64
// CHECK: scf.for
// CHECK: tile.descriptor_load %{{.*}}[%{{.*}}, %{{.*}}, %c0_i32] : !tile.tensor_desc<tensor<1x64x64xbf16>> -> tensor<64x64xbf16
// CHECK-NOT: tile.descriptor_load
// CHECK: scf.yield

#blocked = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [2, 2], order = [1, 0]}>
#blocked2 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [2, 2], order = [0, 1]}>
#blocked3 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [0, 1]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#shared1 = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
#dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#slice = #tilegpu.slice<{dim = 1, parent = #blocked1}>
#slice1 = #tilegpu.slice<{dim = 0, parent = #blocked1}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @rank3_walk(%arg0: !tile.ptr<bf16>, %arg1: !tile.ptr<bf16>, %arg2: !tile.ptr<bf16>, %arg3: !tile.ptr<f32>, %arg4: !tile.ptr<f32>, %arg5: !tile.ptr<f32>, %arg6: i32, %arg7: i32, %arg8: i32) attributes {tile.constants = {BLOCK = 64 : i32, D = 64 : i32}, tile.kernel} {
    %c4096_i32 = arith.constant 4096 : i32
    %cst = arith.constant dense<0.000000e+00> : tensor<64xf32, #blocked>
    %cst_0 = arith.constant dense<64> : tensor<64x1xi32, #blocked1>
    %c64_i32 = arith.constant 64 : i32
    %c0_i32 = arith.constant 0 : i32
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #mma>
    %c1_i64 = arith.constant 1 : i64
    %c64_i64 = arith.constant 64 : i64
    %0 = tile.program_id 0 : i32
    %1 = tile.make_tensor_desc %arg0, [%arg6, %arg7, %c64_i64], [%arg8, %c64_i64, %c1_i64] : [i32, i32, i64], [i32, i64, i64] -> !tile.tensor_desc<tensor<1x64x64xbf16>>
    %2 = tile.make_tensor_desc %arg1, [%arg6, %arg7, %c64_i64], [%arg8, %c64_i64, %c1_i64] : [i32, i32, i64], [i32, i64, i64] -> !tile.tensor_desc<tensor<1x64x64xbf16>>
    %3 = tile.make_tensor_desc %arg2, [%arg6, %arg7, %c64_i64], [%arg8, %c64_i64, %c1_i64] : [i32, i32, i64], [i32, i64, i64] -> !tile.tensor_desc<tensor<1x64x64xbf16>>
    %4 = tile.make_range 0, 64 : tensor<64xi32, #blocked>
    %5 = tile.make_range 0, 64 : tensor<64xi32, #slice>
    %6 = tile.make_range 0, 64 : tensor<64xi32, #slice1>
    %7 = scf.for %arg9 = %c0_i32 to %arg7 step %c64_i32 iter_args(%arg10 = %cst_1) -> (tensor<64x64xf32, #mma>)  : i32 {
      %19 = tile.splat %arg9 : tensor<64xi32, #blocked>
      %20 = tile.splat %arg9 : tensor<64xi32, #slice>
      %21 = arith.addi %19, %4 : tensor<64xi32, #blocked>
      %22 = arith.addi %20, %5 : tensor<64xi32, #slice>
      %23 = tile.descriptor_load %1[%0, %arg9, %c0_i32] : !tile.tensor_desc<tensor<1x64x64xbf16>> -> tensor<64x64xbf16, #blocked1>
      %24 = tilegpu.local_alloc %23 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %25 = tile.descriptor_load %2[%0, %arg9, %c0_i32] : !tile.tensor_desc<tensor<1x64x64xbf16>> -> tensor<64x64xbf16, #blocked1>
      %26 = tile.trans %25 {order = array<i32: 1, 0>} : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #blocked2>
      %27 = tilegpu.local_alloc %26 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared1>
      %28 = tile.descriptor_load %3[%0, %arg9, %c0_i32] : !tile.tensor_desc<tensor<1x64x64xbf16>> -> tensor<64x64xbf16, #blocked1>
      %29 = tilegpu.local_alloc %28 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %30 = arith.truncf %arg10 : tensor<64x64xf32, #mma> to tensor<64x64xbf16, #mma>
      %31 = tilegpu.local_alloc %30 : tensor<64x64xbf16, #mma> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %32 = tilegpu.warp_group_dot %24, %31, %cst_1 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      %33 = tilegpu.warp_group_dot %24, %27, %cst_1 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared1>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      %34 = arith.truncf %33 : tensor<64x64xf32, #mma> to tensor<64x64xbf16, #mma>
      %35 = tilegpu.convert_layout %34 : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #dot_op>
      %36 = tilegpu.warp_group_dot %35, %29, %32 : tensor<64x64xbf16, #dot_op>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      %37 = arith.muli %0, %arg7 : i32
      %38 = arith.muli %37, %c64_i32 : i32
      %39 = tile.addptr %arg4, %38 : !tile.ptr<f32>, i32
      %40 = tile.expand_dims %22 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked1>
      %41 = arith.muli %40, %cst_0 : tensor<64x1xi32, #blocked1>
      %42 = tile.splat %39 : tensor<64x1x!tile.ptr<f32>, #blocked1>
      %43 = tile.addptr %42, %41 : tensor<64x1x!tile.ptr<f32>, #blocked1>, tensor<64x1xi32, #blocked1>
      %44 = tile.expand_dims %6 {axis = 0 : i32} : tensor<64xi32, #slice1> -> tensor<1x64xi32, #blocked1>
      %45 = tile.broadcast %43 : tensor<64x1x!tile.ptr<f32>, #blocked1> -> tensor<64x64x!tile.ptr<f32>, #blocked1>
      %46 = tile.broadcast %44 : tensor<1x64xi32, #blocked1> -> tensor<64x64xi32, #blocked1>
      %47 = tile.addptr %45, %46 : tensor<64x64x!tile.ptr<f32>, #blocked1>, tensor<64x64xi32, #blocked1>
      %48 = tile.splat %arg7 : tensor<64xi32, #slice>
      %49 = arith.cmpi slt, %22, %48 : tensor<64xi32, #slice>
      %50 = tile.expand_dims %49 {axis = 1 : i32} : tensor<64xi1, #slice> -> tensor<64x1xi1, #blocked1>
      %51 = tile.broadcast %50 : tensor<64x1xi1, #blocked1> -> tensor<64x64xi1, #blocked1>
      %52 = tilegpu.convert_layout %36 : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #blocked1>
      tile.store %47, %52, %51 : tensor<64x64x!tile.ptr<f32>, #blocked1>
      %53 = tile.addptr %arg3, %37 : !tile.ptr<f32>, i32
      %54 = tile.splat %53 : tensor<64x!tile.ptr<f32>, #blocked>
      %55 = tile.addptr %54, %21 : tensor<64x!tile.ptr<f32>, #blocked>, tensor<64xi32, #blocked>
      %56 = tile.splat %arg7 : tensor<64xi32, #blocked>
      %57 = arith.cmpi slt, %21, %56 : tensor<64xi32, #blocked>
      %58 = tile.load %55, %57, %cst : tensor<64x!tile.ptr<f32>, #blocked>
      %59 = tile.expand_dims %58 {axis = 1 : i32} : tensor<64xf32, #blocked> -> tensor<64x1xf32, #blocked3>
      %60 = arith.extf %25 : tensor<64x64xbf16, #blocked1> to tensor<64x64xf32, #blocked1>
      %61 = tile.broadcast %59 : tensor<64x1xf32, #blocked3> -> tensor<64x64xf32, #blocked3>
      %62 = tilegpu.convert_layout %61 : tensor<64x64xf32, #blocked3> -> tensor<64x64xf32, #blocked1>
      %63 = arith.mulf %60, %62 : tensor<64x64xf32, #blocked1>
      %64 = arith.truncf %63 : tensor<64x64xf32, #blocked1> to tensor<64x64xbf16, #blocked1>
      %65 = tile.trans %64 {order = array<i32: 1, 0>} : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #blocked2>
      %66 = tilegpu.local_alloc %65 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared1>
      %67 = tilegpu.warp_group_dot %66, %29, %arg10 : !tilegpu.memdesc<64x64xbf16, #shared1>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      scf.yield %67 : tensor<64x64xf32, #mma>
    }
    %8 = arith.muli %0, %c4096_i32 : i32
    %9 = tile.addptr %arg5, %8 : !tile.ptr<f32>, i32
    %10 = tile.expand_dims %5 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked1>
    %11 = arith.muli %10, %cst_0 : tensor<64x1xi32, #blocked1>
    %12 = tile.splat %9 : tensor<64x1x!tile.ptr<f32>, #blocked1>
    %13 = tile.addptr %12, %11 : tensor<64x1x!tile.ptr<f32>, #blocked1>, tensor<64x1xi32, #blocked1>
    %14 = tile.expand_dims %6 {axis = 0 : i32} : tensor<64xi32, #slice1> -> tensor<1x64xi32, #blocked1>
    %15 = tile.broadcast %13 : tensor<64x1x!tile.ptr<f32>, #blocked1> -> tensor<64x64x!tile.ptr<f32>, #blocked1>
    %16 = tile.broadcast %14 : tensor<1x64xi32, #blocked1> -> tensor<64x64xi32, #blocked1>
    %17 = tile.addptr %15, %16 : tensor<64x64x!tile.ptr<f32>, #blocked1>, tensor<64x64xi32, #blocked1>
    %18 = tilegpu.convert_layout %7 : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #blocked1>
    tile.store %17, %18 : tensor<64x64x!tile.ptr<f32>, #blocked1>
    return
  }
}

// -----

#blocked = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [2, 2], order = [1, 0]}>
#blocked2 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [2, 2], order = [0, 1]}>
#blocked3 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [0, 1]}>
#mma = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
#shared = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
#shared1 = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [0, 1], chunk = 64}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 90112, numSMs = 0>
#dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#slice = #tilegpu.slice<{dim = 1, parent = #blocked1}>
#slice1 = #tilegpu.slice<{dim = 0, parent = #blocked1}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  func.func @rank3_walk_small(%arg0: !tile.ptr<bf16>, %arg1: !tile.ptr<bf16>, %arg2: !tile.ptr<bf16>, %arg3: !tile.ptr<f32>, %arg4: !tile.ptr<f32>, %arg5: !tile.ptr<f32>, %arg6: i32, %arg7: i32, %arg8: i32) attributes {tile.constants = {BLOCK = 64 : i32, D = 64 : i32}, tile.kernel} {
    %c4096_i32 = arith.constant 4096 : i32
    %cst = arith.constant dense<0.000000e+00> : tensor<64xf32, #blocked>
    %cst_0 = arith.constant dense<64> : tensor<64x1xi32, #blocked1>
    %c64_i32 = arith.constant 64 : i32
    %c0_i32 = arith.constant 0 : i32
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #mma>
    %c1_i64 = arith.constant 1 : i64
    %c64_i64 = arith.constant 64 : i64
    %0 = tile.program_id 0 : i32
    %1 = tile.make_tensor_desc %arg0, [%arg6, %arg7, %c64_i64], [%arg8, %c64_i64, %c1_i64] : [i32, i32, i64], [i32, i64, i64] -> !tile.tensor_desc<tensor<1x64x64xbf16>>
    %2 = tile.make_tensor_desc %arg1, [%arg6, %arg7, %c64_i64], [%arg8, %c64_i64, %c1_i64] : [i32, i32, i64], [i32, i64, i64] -> !tile.tensor_desc<tensor<1x64x64xbf16>>
    %3 = tile.make_tensor_desc %arg2, [%arg6, %arg7, %c64_i64], [%arg8, %c64_i64, %c1_i64] : [i32, i32, i64], [i32, i64, i64] -> !tile.tensor_desc<tensor<1x64x64xbf16>>
    %4 = tile.make_range 0, 64 : tensor<64xi32, #blocked>
    %5 = tile.make_range 0, 64 : tensor<64xi32, #slice>
    %6 = tile.make_range 0, 64 : tensor<64xi32, #slice1>
    %7 = scf.for %arg9 = %c0_i32 to %arg7 step %c64_i32 iter_args(%arg10 = %cst_1) -> (tensor<64x64xf32, #mma>)  : i32 {
      %19 = tile.splat %arg9 : tensor<64xi32, #blocked>
      %20 = tile.splat %arg9 : tensor<64xi32, #slice>
      %21 = arith.addi %19, %4 : tensor<64xi32, #blocked>
      %22 = arith.addi %20, %5 : tensor<64xi32, #slice>
      %23 = tile.descriptor_load %1[%0, %arg9, %c0_i32] : !tile.tensor_desc<tensor<1x64x64xbf16>> -> tensor<64x64xbf16, #blocked1>
      %24 = tilegpu.local_alloc %23 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %25 = tile.descriptor_load %2[%0, %arg9, %c0_i32] : !tile.tensor_desc<tensor<1x64x64xbf16>> -> tensor<64x64xbf16, #blocked1>
      %26 = tile.trans %25 {order = array<i32: 1, 0>} : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #blocked2>
      %27 = tilegpu.local_alloc %26 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared1>
      %28 = tile.descriptor_load %3[%0, %arg9, %c0_i32] : !tile.tensor_desc<tensor<1x64x64xbf16>> -> tensor<64x64xbf16, #blocked1>
      %29 = tilegpu.local_alloc %28 : tensor<64x64xbf16, #blocked1> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %30 = arith.truncf %arg10 : tensor<64x64xf32, #mma> to tensor<64x64xbf16, #mma>
      %31 = tilegpu.local_alloc %30 : tensor<64x64xbf16, #mma> -> !tilegpu.memdesc<64x64xbf16, #shared>
      %32 = tilegpu.warp_group_dot %24, %31, %cst_1 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      %33 = tilegpu.warp_group_dot %24, %27, %cst_1 : !tilegpu.memdesc<64x64xbf16, #shared>, !tilegpu.memdesc<64x64xbf16, #shared1>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      %34 = arith.truncf %33 : tensor<64x64xf32, #mma> to tensor<64x64xbf16, #mma>
      %35 = tilegpu.convert_layout %34 : tensor<64x64xbf16, #mma> -> tensor<64x64xbf16, #dot_op>
      %36 = tilegpu.warp_group_dot %35, %29, %32 : tensor<64x64xbf16, #dot_op>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      %37 = arith.muli %0, %arg7 : i32
      %38 = arith.muli %37, %c64_i32 : i32
      %39 = tile.addptr %arg4, %38 : !tile.ptr<f32>, i32
      %40 = tile.expand_dims %22 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked1>
      %41 = arith.muli %40, %cst_0 : tensor<64x1xi32, #blocked1>
      %42 = tile.splat %39 : tensor<64x1x!tile.ptr<f32>, #blocked1>
      %43 = tile.addptr %42, %41 : tensor<64x1x!tile.ptr<f32>, #blocked1>, tensor<64x1xi32, #blocked1>
      %44 = tile.expand_dims %6 {axis = 0 : i32} : tensor<64xi32, #slice1> -> tensor<1x64xi32, #blocked1>
      %45 = tile.broadcast %43 : tensor<64x1x!tile.ptr<f32>, #blocked1> -> tensor<64x64x!tile.ptr<f32>, #blocked1>
      %46 = tile.broadcast %44 : tensor<1x64xi32, #blocked1> -> tensor<64x64xi32, #blocked1>
      %47 = tile.addptr %45, %46 : tensor<64x64x!tile.ptr<f32>, #blocked1>, tensor<64x64xi32, #blocked1>
      %48 = tile.splat %arg7 : tensor<64xi32, #slice>
      %49 = arith.cmpi slt, %22, %48 : tensor<64xi32, #slice>
      %50 = tile.expand_dims %49 {axis = 1 : i32} : tensor<64xi1, #slice> -> tensor<64x1xi1, #blocked1>
      %51 = tile.broadcast %50 : tensor<64x1xi1, #blocked1> -> tensor<64x64xi1, #blocked1>
      %52 = tilegpu.convert_layout %36 : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #blocked1>
      tile.store %47, %52, %51 : tensor<64x64x!tile.ptr<f32>, #blocked1>
      %53 = tile.addptr %arg3, %37 : !tile.ptr<f32>, i32
      %54 = tile.splat %53 : tensor<64x!tile.ptr<f32>, #blocked>
      %55 = tile.addptr %54, %21 : tensor<64x!tile.ptr<f32>, #blocked>, tensor<64xi32, #blocked>
      %56 = tile.splat %arg7 : tensor<64xi32, #blocked>
      %57 = arith.cmpi slt, %21, %56 : tensor<64xi32, #blocked>
      %58 = tile.load %55, %57, %cst : tensor<64x!tile.ptr<f32>, #blocked>
      %59 = tile.expand_dims %58 {axis = 1 : i32} : tensor<64xf32, #blocked> -> tensor<64x1xf32, #blocked3>
      %60 = arith.extf %25 : tensor<64x64xbf16, #blocked1> to tensor<64x64xf32, #blocked1>
      %61 = tile.broadcast %59 : tensor<64x1xf32, #blocked3> -> tensor<64x64xf32, #blocked3>
      %62 = tilegpu.convert_layout %61 : tensor<64x64xf32, #blocked3> -> tensor<64x64xf32, #blocked1>
      %63 = arith.mulf %60, %62 : tensor<64x64xf32, #blocked1>
      %64 = arith.truncf %63 : tensor<64x64xf32, #blocked1> to tensor<64x64xbf16, #blocked1>
      %65 = tile.trans %64 {order = array<i32: 1, 0>} : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #blocked2>
      %66 = tilegpu.local_alloc %65 : tensor<64x64xbf16, #blocked2> -> !tilegpu.memdesc<64x64xbf16, #shared1>
      %67 = tilegpu.warp_group_dot %66, %29, %arg10 : !tilegpu.memdesc<64x64xbf16, #shared1>, !tilegpu.memdesc<64x64xbf16, #shared>, tensor<64x64xf32, #mma> -> tensor<64x64xf32, #mma>
      scf.yield %67 : tensor<64x64xf32, #mma>
    }
    %8 = arith.muli %0, %c4096_i32 : i32
    %9 = tile.addptr %arg5, %8 : !tile.ptr<f32>, i32
    %10 = tile.expand_dims %5 {axis = 1 : i32} : tensor<64xi32, #slice> -> tensor<64x1xi32, #blocked1>
    %11 = arith.muli %10, %cst_0 : tensor<64x1xi32, #blocked1>
    %12 = tile.splat %9 : tensor<64x1x!tile.ptr<f32>, #blocked1>
    %13 = tile.addptr %12, %11 : tensor<64x1x!tile.ptr<f32>, #blocked1>, tensor<64x1xi32, #blocked1>
    %14 = tile.expand_dims %6 {axis = 0 : i32} : tensor<64xi32, #slice1> -> tensor<1x64xi32, #blocked1>
    %15 = tile.broadcast %13 : tensor<64x1x!tile.ptr<f32>, #blocked1> -> tensor<64x64x!tile.ptr<f32>, #blocked1>
    %16 = tile.broadcast %14 : tensor<1x64xi32, #blocked1> -> tensor<64x64xi32, #blocked1>
    %17 = tile.addptr %15, %16 : tensor<64x64x!tile.ptr<f32>, #blocked1>, tensor<64x64xi32, #blocked1>
    %18 = tilegpu.convert_layout %7 : tensor<64x64xf32, #mma> -> tensor<64x64xf32, #blocked1>
    tile.store %17, %18 : tensor<64x64x!tile.ptr<f32>, #blocked1>
    return
  }
}

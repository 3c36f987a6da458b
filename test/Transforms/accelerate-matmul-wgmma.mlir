// RUN: lacc-opt %s --tilegpu-accelerate-matmul | FileCheck %s
//
// On sm_90a, tilegpu-accelerate-matmul puts dots on Hopper's warpgroup MMA:
// tilegpu.warp_group_dot reads its operands from shared memory, so they are staged
// (local_alloc) and never loaded back into registers, except the A of a dot fed by a dot,
// which stays in registers. What is checked:
//   - the accumulator's layout: version 3, every warp along M (warpsPerCTA = [4, 1]), the
//     instruction as wide as the tile's N (instrShape = [16, N], at most 256);
//   - the operand buffers' wgmma layouts: rows of the contiguous dimension cut into blocks of
//     the widest swizzle that fits (128 bytes: chunk = 64 bf16; a 32-wide K: 64 bytes), with
//     the matching swizzle (vec 8, perPhase 128 / row bytes, maxPhase row bytes / 16); A
//     K-contiguous, B N-contiguous (order [1, 0] for both, as loaded);
//   - a chain of dots (P = Q K^T feeding P V): both on wgmma with warps along M, P converted
//     in registers to the second dot's operand layout (dot_op opIdx 0 of its accumulator);
//   - what stays on mma.sync: M = 32 (under the 64 rows of a warpgroup of 4 warps), and f32
//     operands (tf32).

// CHECK-DAG: #[[WG128:mma[0-9]*]] = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 128]}>
// CHECK-DAG: #[[WG64:mma[0-9]*]] = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 64]}>
// CHECK-DAG: #[[WG256:mma[0-9]*]] = #tilegpu.mma<{version = 3, warpsPerCTA = [4, 1], instrShape = [16, 256]}>
// CHECK-DAG: #[[SW128:shared[0-9]*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0], chunk = 64}>
// CHECK-DAG: #[[SW64:shared[0-9]*]] = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [1, 0], chunk = 32}>
// CHECK: #[[AREG:dot_op[0-9]*]] = #tilegpu.dot_op<{opIdx = 0, parent = #[[WG64]], kWidth = 2}>

#blocked = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#target = #tilegpu.target<arch = "sm_90a", ptxVersion = 80, sharedMemory = 232448, numSMs = 0>
#dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #blocked1}>
#dot_op1 = #tilegpu.dot_op<{opIdx = 1, parent = #blocked1}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  // CHECK-LABEL: func.func @gemm_tile
  // CHECK: %[[A:.*]] = tile.load %arg0
  // CHECK-NEXT: %[[SA:.*]] = tilegpu.local_alloc %[[A]] : {{.*}} -> !tilegpu.memdesc<128x64xbf16, #[[SW128]]>
  // CHECK-NEXT: %[[B:.*]] = tile.load %arg1
  // CHECK-NEXT: %[[SB:.*]] = tilegpu.local_alloc %[[B]] : {{.*}} -> !tilegpu.memdesc<64x128xbf16, #[[SW128]]>
  // CHECK-NOT: tilegpu.local_load
  // CHECK: %[[C:.*]] = tilegpu.convert_layout %{{.*}} -> tensor<128x128xf32, #[[WG128]]>
  // CHECK-NEXT: tilegpu.warp_group_dot %[[SA]], %[[SB]], %[[C]] : {{.*}} -> tensor<128x128xf32, #[[WG128]]>
  // CHECK-NOT: tile.dot
  func.func @gemm_tile(%arg0: tensor<128x64x!tile.ptr<bf16>, #blocked>, %arg1: tensor<64x128x!tile.ptr<bf16>, #blocked1>, %arg2: tensor<128x128x!tile.ptr<f32>, #blocked1>) attributes {tile.kernel} {
    %0 = tile.load %arg0 : tensor<128x64x!tile.ptr<bf16>, #blocked>
    %1 = tile.load %arg1 : tensor<64x128x!tile.ptr<bf16>, #blocked1>
    %cst = arith.constant dense<0.000000e+00> : tensor<128x128xf32, #blocked1>
    %2 = tilegpu.convert_layout %0 : tensor<128x64xbf16, #blocked> -> tensor<128x64xbf16, #dot_op>
    %3 = tilegpu.convert_layout %1 : tensor<64x128xbf16, #blocked1> -> tensor<64x128xbf16, #dot_op1>
    %4 = tile.dot %2, %3, %cst : tensor<128x64xbf16, #dot_op>, tensor<64x128xbf16, #dot_op1> -> tensor<128x128xf32, #blocked1>
    tile.store %arg2, %4 : tensor<128x128x!tile.ptr<f32>, #blocked1>
    return
  }
  // A K of 32 (64-byte rows) and an N of 256 (four 128-byte blocks, one m64n256 instruction).
  // CHECK-LABEL: func.func @narrow_k_wide_n
  // CHECK: tilegpu.local_alloc {{.*}} -> !tilegpu.memdesc<64x32xbf16, #[[SW64]]>
  // CHECK: tilegpu.local_alloc {{.*}} -> !tilegpu.memdesc<32x256xbf16, #[[SW128]]>
  // CHECK: tilegpu.warp_group_dot {{.*}} -> tensor<64x256xf32, #[[WG256]]>
  func.func @narrow_k_wide_n(%arg0: tensor<64x32x!tile.ptr<bf16>, #blocked>, %arg1: tensor<32x256x!tile.ptr<bf16>, #blocked1>, %arg2: tensor<64x256x!tile.ptr<f32>, #blocked1>) attributes {tile.kernel} {
    %0 = tile.load %arg0 : tensor<64x32x!tile.ptr<bf16>, #blocked>
    %1 = tile.load %arg1 : tensor<32x256x!tile.ptr<bf16>, #blocked1>
    %cst = arith.constant dense<0.000000e+00> : tensor<64x256xf32, #blocked1>
    %2 = tilegpu.convert_layout %0 : tensor<64x32xbf16, #blocked> -> tensor<64x32xbf16, #dot_op>
    %3 = tilegpu.convert_layout %1 : tensor<32x256xbf16, #blocked1> -> tensor<32x256xbf16, #dot_op1>
    %4 = tile.dot %2, %3, %cst : tensor<64x32xbf16, #dot_op>, tensor<32x256xbf16, #dot_op1> -> tensor<64x256xf32, #blocked1>
    tile.store %arg2, %4 : tensor<64x256x!tile.ptr<f32>, #blocked1>
    return
  }
  // CHECK-LABEL: func.func @chain
  // CHECK: %[[SQ:.*]] = tilegpu.local_alloc {{.*}} -> !tilegpu.memdesc<64x64xbf16, #[[SW128]]>
  // CHECK: %[[SK:.*]] = tilegpu.local_alloc {{.*}} -> !tilegpu.memdesc<64x64xbf16, #[[SW128]]>
  // CHECK: %[[P:.*]] = tilegpu.warp_group_dot %[[SQ]], %[[SK]], {{.*}} -> tensor<64x64xf32, #[[WG64]]>
  // CHECK-NOT: tilegpu.local_alloc
  // CHECK: %[[PA:.*]] = tilegpu.convert_layout %{{.*}} : tensor<64x64xbf16, #{{.*}}> -> tensor<64x64xbf16, #[[AREG]]>
  // CHECK-NOT: tilegpu.local_alloc
  // CHECK: tilegpu.warp_group_dot %[[PA]], %[[SK]], {{.*}} -> tensor<64x64xf32, #[[WG64]]>
  func.func @chain(%arg0: tensor<64x64x!tile.ptr<bf16>, #blocked1>, %arg1: tensor<64x64x!tile.ptr<bf16>, #blocked1>, %arg3: tensor<64x64x!tile.ptr<f32>, #blocked1>) attributes {tile.kernel} {
    %q = tile.load %arg0 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %k = tile.load %arg1 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %cst = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #blocked1>
    %qa = tilegpu.convert_layout %q : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op>
    %kb = tilegpu.convert_layout %k : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op1>
    %p = tile.dot %qa, %kb, %cst : tensor<64x64xbf16, #dot_op>, tensor<64x64xbf16, #dot_op1> -> tensor<64x64xf32, #blocked1>
    %pb = arith.truncf %p : tensor<64x64xf32, #blocked1> to tensor<64x64xbf16, #blocked1>
    %pa = tilegpu.convert_layout %pb : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op>
    %o = tile.dot %pa, %kb, %cst : tensor<64x64xbf16, #dot_op>, tensor<64x64xbf16, #dot_op1> -> tensor<64x64xf32, #blocked1>
    tile.store %arg3, %o : tensor<64x64x!tile.ptr<f32>, #blocked1>
    return
  }
  // CHECK-LABEL: func.func @stays_on_mma_sync
  // CHECK-NOT: warp_group_dot
  // CHECK-COUNT-2: tile.dot {{.*}} -> tensor<{{.*}}, #mma{{[0-9]*}}>
  // CHECK-NOT: warp_group_dot
  // CHECK: return
  func.func @stays_on_mma_sync(%arg1: tensor<64x64x!tile.ptr<bf16>, #blocked1>, %arg2: tensor<32x64x!tile.ptr<bf16>, #blocked1>, %arg3: tensor<32x64x!tile.ptr<f32>, #blocked1>, %arg4: tensor<64x64x!tile.ptr<f32>, #blocked1>) attributes {tile.kernel} {
    %k = tile.load %arg1 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %cst = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #blocked1>
    %kb = tilegpu.convert_layout %k : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op1>
    %s = tile.load %arg2 : tensor<32x64x!tile.ptr<bf16>, #blocked1>
    %cst32 = arith.constant dense<0.000000e+00> : tensor<32x64xf32, #blocked1>
    %sa = tilegpu.convert_layout %s : tensor<32x64xbf16, #blocked1> -> tensor<32x64xbf16, #dot_op>
    %r = tile.dot %sa, %kb, %cst32 : tensor<32x64xbf16, #dot_op>, tensor<64x64xbf16, #dot_op1> -> tensor<32x64xf32, #blocked1>
    tile.store %arg3, %r : tensor<32x64x!tile.ptr<f32>, #blocked1>
    %rf = tilegpu.convert_layout %cst : tensor<64x64xf32, #blocked1> -> tensor<64x64xf32, #dot_op>
    %kf = arith.extf %kb : tensor<64x64xbf16, #dot_op1> to tensor<64x64xf32, #dot_op1>
    %t = tile.dot %rf, %kf, %cst input_precision = tf32 : tensor<64x64xf32, #dot_op>, tensor<64x64xf32, #dot_op1> -> tensor<64x64xf32, #blocked1>
    tile.store %arg4, %t : tensor<64x64x!tile.ptr<f32>, #blocked1>
    return
  }
}

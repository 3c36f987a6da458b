// RUN: lacc-opt %s --tilegpu-accelerate-matmul | FileCheck %s
//
// tilegpu-accelerate-matmul puts eligible dots on tensor cores (here for sm_80: mma.sync; the
// wgmma path of sm_90a is accelerate-matmul-wgmma.mlir). The input is what
// tile-to-tilegpu and tilegpu-coalesce leave (blocked layouts, FMA dot operands); what is
// checked:
//   - the accumulator's #tilegpu.mma layout and the warps' split: as square a share per warp
//     as the tile allows (64x64 over 4 warps: 2x2; 32x128: 1x4), but whole rows per warp in a
//     chain of dots (a dot's result feeding the next dot's A operand: 4x1 for both dots, so the
//     intermediate P is already in the A operand's registers: a convert_layout, no shared memory);
//   - operands from memory staged in shared memory right after they are loaded (local_alloc) in
//     the swizzle ldmatrix reads without bank conflicts: 8 x 16-bit per 16-byte vector, the phase
//     changing every 128 bytes of rows (perPhase 1 for 128-byte rows, 2 for 64, 4 for 32), as
//     many phases as 8 rows of 16 bytes need (maxPhase 8, 4, 2); f32 (tf32) in vectors of 4;
//   - both operands' buffers allocated before either is read (local_alloc, local_alloc, then
//     local_load, local_load, dot), so that they are live together and one barrier serves both;
//   - kWidth 2 for bf16/f16, 1 for f32 with input_precision = tf32; an IEEE f32 dot and an 8x8
//     dot (M not a multiple of 16) keep the FMA path;
//   - a loop-invariant operand is staged once, before the loop, and a tile read by two dots is
//     staged once and loaded by both.

// CHECK-DAG: #[[MMA22:mma[0-9]*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [2, 2], instrShape = [16, 8]}>
// CHECK-DAG: #[[MMA14:mma[0-9]*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [1, 4], instrShape = [16, 8]}>
// CHECK-DAG: #[[MMA41:mma[0-9]*]] = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8]}>
// CHECK-DAG: #[[ROWS64B:shared[0-9]*]] = #tilegpu.shared<{vec = 8, perPhase = 2, maxPhase = 4, order = [1, 0]}>
// CHECK-DAG: #[[ROWS128B:shared[0-9]*]] = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
// CHECK-DAG: #[[ROWS32B:shared[0-9]*]] = #tilegpu.shared<{vec = 8, perPhase = 4, maxPhase = 2, order = [1, 0]}>
// CHECK-DAG: #[[F32ROWS:shared[0-9]*]] = #tilegpu.shared<{vec = 4, perPhase = 1, maxPhase = 8, order = [1, 0]}>
// CHECK: #target = #tilegpu.target
// CHECK-DAG: #[[A22:dot_op[0-9]*]] = #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA22]], kWidth = 2}>
// CHECK-DAG: #[[B22:dot_op[0-9]*]] = #tilegpu.dot_op<{opIdx = 1, parent = #[[MMA22]], kWidth = 2}>
// CHECK-DAG: #[[A14:dot_op[0-9]*]] = #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA14]], kWidth = 2}>
// CHECK-DAG: #[[B14:dot_op[0-9]*]] = #tilegpu.dot_op<{opIdx = 1, parent = #[[MMA14]], kWidth = 2}>
// CHECK-DAG: #[[A41:dot_op[0-9]*]] = #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA41]], kWidth = 2}>
// CHECK-DAG: #[[B41:dot_op[0-9]*]] = #tilegpu.dot_op<{opIdx = 1, parent = #[[MMA41]], kWidth = 2}>
// CHECK-DAG: #[[ATF32:dot_op[0-9]*]] = #tilegpu.dot_op<{opIdx = 0, parent = #[[MMA22]], kWidth = 1}>
// CHECK-DAG: #[[BTF32:dot_op[0-9]*]] = #tilegpu.dot_op<{opIdx = 1, parent = #[[MMA22]], kWidth = 1}>

#blocked = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked1 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [2, 2], order = [1, 0]}>
#blocked2 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked3 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [1, 4], order = [1, 0]}>
#blocked4 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#blocked5 = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [2, 2], order = [1, 0]}>
#target = #tilegpu.target<arch = "sm_80", ptxVersion = 80, sharedMemory = 166912, numSMs = 0>
#dot_op = #tilegpu.dot_op<{opIdx = 0, parent = #blocked1}>
#dot_op1 = #tilegpu.dot_op<{opIdx = 1, parent = #blocked1}>
#dot_op2 = #tilegpu.dot_op<{opIdx = 0, parent = #blocked3}>
#dot_op3 = #tilegpu.dot_op<{opIdx = 1, parent = #blocked3}>
#dot_op4 = #tilegpu.dot_op<{opIdx = 0, parent = #blocked}>
#dot_op5 = #tilegpu.dot_op<{opIdx = 1, parent = #blocked}>
#dot_op6 = #tilegpu.dot_op<{opIdx = 0, parent = #blocked5}>
#dot_op7 = #tilegpu.dot_op<{opIdx = 1, parent = #blocked5}>
module attributes {tilegpu.num_warps = 4 : i32, tilegpu.target = #target} {
  // CHECK-LABEL: func.func @square
  // CHECK: %[[A:.*]] = tile.load %arg0
  // CHECK-NEXT: %[[SA:.*]] = tilegpu.local_alloc %[[A]] : {{.*}} -> !tilegpu.memdesc<64x32xbf16, #[[ROWS64B]]>
  // CHECK-NEXT: %[[B:.*]] = tile.load %arg1
  // CHECK-NEXT: %[[SB:.*]] = tilegpu.local_alloc %[[B]] : {{.*}} -> !tilegpu.memdesc<32x64xbf16, #[[ROWS128B]]>
  // CHECK-NOT: tilegpu.local_alloc
  // CHECK: %[[LA:.*]] = tilegpu.local_load %[[SA]] : {{.*}} -> tensor<64x32xbf16, #[[A22]]>
  // CHECK-NEXT: %[[LB:.*]] = tilegpu.local_load %[[SB]] : {{.*}} -> tensor<32x64xbf16, #[[B22]]>
  // CHECK-NEXT: %[[C:.*]] = tilegpu.convert_layout %{{.*}} -> tensor<64x64xf32, #[[MMA22]]>
  // CHECK-NEXT: tile.dot %[[LA]], %[[LB]], %[[C]] : {{.*}} -> tensor<64x64xf32, #[[MMA22]]>
  func.func @square(%arg0: tensor<64x32x!tile.ptr<bf16>, #blocked>, %arg1: tensor<32x64x!tile.ptr<bf16>, #blocked1>, %arg2: tensor<64x64x!tile.ptr<f32>, #blocked1>) attributes {tile.kernel} {
    %0 = tile.load %arg0 : tensor<64x32x!tile.ptr<bf16>, #blocked>
    %1 = tile.load %arg1 : tensor<32x64x!tile.ptr<bf16>, #blocked1>
    %cst = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #blocked1>
    %2 = tilegpu.convert_layout %0 : tensor<64x32xbf16, #blocked> -> tensor<64x32xbf16, #dot_op>
    %3 = tilegpu.convert_layout %1 : tensor<32x64xbf16, #blocked1> -> tensor<32x64xbf16, #dot_op1>
    %4 = tile.dot %2, %3, %cst : tensor<64x32xbf16, #dot_op>, tensor<32x64xbf16, #dot_op1> -> tensor<64x64xf32, #blocked1>
    tile.store %arg2, %4 : tensor<64x64x!tile.ptr<f32>, #blocked1>
    return
  }
  // CHECK-LABEL: func.func @wide
  // CHECK: tilegpu.local_alloc {{.*}} -> !tilegpu.memdesc<32x16xf16, #[[ROWS32B]]>
  // CHECK: tilegpu.local_alloc {{.*}} -> !tilegpu.memdesc<16x128xf16, #[[ROWS128B]]>
  // CHECK: tilegpu.local_load {{.*}} -> tensor<32x16xf16, #[[A14]]>
  // CHECK-NEXT: tilegpu.local_load {{.*}} -> tensor<16x128xf16, #[[B14]]>
  // CHECK: tile.dot {{.*}} -> tensor<32x128xf32, #[[MMA14]]>
  func.func @wide(%arg0: tensor<32x16x!tile.ptr<f16>, #blocked2>, %arg1: tensor<16x128x!tile.ptr<f16>, #blocked3>, %arg2: tensor<32x128x!tile.ptr<f32>, #blocked3>) attributes {tile.kernel} {
    %0 = tile.load %arg0 : tensor<32x16x!tile.ptr<f16>, #blocked2>
    %1 = tile.load %arg1 : tensor<16x128x!tile.ptr<f16>, #blocked3>
    %cst = arith.constant dense<0.000000e+00> : tensor<32x128xf32, #blocked3>
    %2 = tilegpu.convert_layout %0 : tensor<32x16xf16, #blocked2> -> tensor<32x16xf16, #dot_op2>
    %3 = tilegpu.convert_layout %1 : tensor<16x128xf16, #blocked3> -> tensor<16x128xf16, #dot_op3>
    %4 = tile.dot %2, %3, %cst : tensor<32x16xf16, #dot_op2>, tensor<16x128xf16, #dot_op3> -> tensor<32x128xf32, #blocked3>
    tile.store %arg2, %4 : tensor<32x128x!tile.ptr<f32>, #blocked3>
    return
  }
  // Q, K and V are staged; P = exp(QK^T) is converted in registers to the second dot's A.
  // CHECK-LABEL: func.func @chained
  // CHECK-COUNT-3: tilegpu.local_alloc {{.*}} -> !tilegpu.memdesc<64x64xbf16, #[[ROWS128B]]>
  // CHECK-NOT: tilegpu.local_alloc
  // CHECK: %[[S:.*]] = tile.dot {{.*}} -> tensor<64x64xf32, #[[MMA41]]>
  // CHECK: %[[P:.*]] = arith.truncf
  // CHECK-NOT: tilegpu.local_alloc
  // CHECK: %[[PA:.*]] = tilegpu.convert_layout %[[P]] : tensor<64x64xbf16, #{{.*}}> -> tensor<64x64xbf16, #[[A41]]>
  // CHECK-NEXT: %[[VB:.*]] = tilegpu.local_load %{{.*}} -> tensor<64x64xbf16, #[[B41]]>
  // CHECK: tile.dot %[[PA]], %[[VB]], %{{.*}} -> tensor<64x64xf32, #[[MMA41]]>
  // CHECK-NOT: tilegpu.local_alloc
  // CHECK: return
  func.func @chained(%arg0: tensor<64x64x!tile.ptr<bf16>, #blocked1>, %arg1: tensor<64x64x!tile.ptr<bf16>, #blocked1>, %arg2: tensor<64x64x!tile.ptr<bf16>, #blocked1>, %arg3: tensor<64x64x!tile.ptr<f32>, #blocked1>) attributes {tile.kernel} {
    %0 = tile.load %arg0 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %1 = tile.load %arg1 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %2 = tile.load %arg2 : tensor<64x64x!tile.ptr<bf16>, #blocked1>
    %cst = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #blocked1>
    %3 = tilegpu.convert_layout %0 : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op>
    %4 = tilegpu.convert_layout %1 : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op1>
    %5 = tile.dot %3, %4, %cst : tensor<64x64xbf16, #dot_op>, tensor<64x64xbf16, #dot_op1> -> tensor<64x64xf32, #blocked1>
    %6 = math.exp %5 : tensor<64x64xf32, #blocked1>
    %7 = arith.truncf %6 : tensor<64x64xf32, #blocked1> to tensor<64x64xbf16, #blocked1>
    %8 = tilegpu.convert_layout %7 : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op>
    %9 = tilegpu.convert_layout %2 : tensor<64x64xbf16, #blocked1> -> tensor<64x64xbf16, #dot_op1>
    %10 = tile.dot %8, %9, %cst : tensor<64x64xbf16, #dot_op>, tensor<64x64xbf16, #dot_op1> -> tensor<64x64xf32, #blocked1>
    tile.store %arg3, %10 : tensor<64x64x!tile.ptr<f32>, #blocked1>
    return
  }
  // One f32 tile feeds A and B of the tf32 dot: staged once, loaded twice. The IEEE dot after it
  // and the 8x8 bf16 dot keep their FMA operand layouts (blocked parents).
  // CHECK-LABEL: func.func @tf32_and_fma
  // CHECK: %[[S:.*]] = tilegpu.local_alloc {{.*}} -> !tilegpu.memdesc<32x32xf32, #[[F32ROWS]]>
  // CHECK-NOT: tilegpu.local_alloc
  // CHECK: tilegpu.local_load %[[S]] {{.*}} -> tensor<32x32xf32, #[[ATF32]]>
  // CHECK-NEXT: tilegpu.local_load %[[S]] {{.*}} -> tensor<32x32xf32, #[[BTF32]]>
  // CHECK: tile.dot {{.*}} input_precision = tf32 : {{.*}} -> tensor<32x32xf32, #[[MMA22]]>
  // CHECK: tile.dot {{.*}} : tensor<32x32xf32, #dot_op{{[0-9]*}}>, tensor<32x32xf32, #dot_op{{[0-9]*}}> -> tensor<32x32xf32, #blocked>
  // CHECK-NOT: tilegpu.local_alloc
  // CHECK: tile.dot {{.*}} -> tensor<8x8xf32, #blocked{{[0-9]*}}>
  // CHECK: return
  func.func @tf32_and_fma(%arg0: tensor<32x32x!tile.ptr<f32>, #blocked>, %arg1: tensor<32x32x!tile.ptr<f32>, #blocked>, %arg2: tensor<8x32x!tile.ptr<bf16>, #blocked>, %arg3: tensor<32x8x!tile.ptr<bf16>, #blocked4>, %arg4: tensor<8x8x!tile.ptr<f32>, #blocked5>) attributes {tile.kernel} {
    %0 = tile.load %arg0 : tensor<32x32x!tile.ptr<f32>, #blocked>
    %cst = arith.constant dense<0.000000e+00> : tensor<32x32xf32, #blocked>
    %1 = tilegpu.convert_layout %0 : tensor<32x32xf32, #blocked> -> tensor<32x32xf32, #dot_op4>
    %2 = tilegpu.convert_layout %0 : tensor<32x32xf32, #blocked> -> tensor<32x32xf32, #dot_op5>
    %3 = tile.dot %1, %2, %cst input_precision = tf32 : tensor<32x32xf32, #dot_op4>, tensor<32x32xf32, #dot_op5> -> tensor<32x32xf32, #blocked>
    %4 = tilegpu.convert_layout %0 : tensor<32x32xf32, #blocked> -> tensor<32x32xf32, #dot_op4>
    %5 = tilegpu.convert_layout %0 : tensor<32x32xf32, #blocked> -> tensor<32x32xf32, #dot_op5>
    %6 = tile.dot %4, %5, %3 : tensor<32x32xf32, #dot_op4>, tensor<32x32xf32, #dot_op5> -> tensor<32x32xf32, #blocked>
    tile.store %arg1, %6 : tensor<32x32x!tile.ptr<f32>, #blocked>
    %7 = tile.load %arg2 : tensor<8x32x!tile.ptr<bf16>, #blocked>
    %8 = tile.load %arg3 : tensor<32x8x!tile.ptr<bf16>, #blocked4>
    %cst_0 = arith.constant dense<0.000000e+00> : tensor<8x8xf32, #blocked5>
    %9 = tilegpu.convert_layout %7 : tensor<8x32xbf16, #blocked> -> tensor<8x32xbf16, #dot_op6>
    %10 = tilegpu.convert_layout %8 : tensor<32x8xbf16, #blocked4> -> tensor<32x8xbf16, #dot_op7>
    %11 = tile.dot %9, %10, %cst_0 : tensor<8x32xbf16, #dot_op6>, tensor<32x8xbf16, #dot_op7> -> tensor<8x8xf32, #blocked5>
    tile.store %arg4, %11 : tensor<8x8x!tile.ptr<f32>, #blocked5>
    return
  }
  // CHECK-LABEL: func.func @invariant
  // CHECK: %[[A:.*]] = tile.load %arg0
  // CHECK-NEXT: %[[SA:.*]] = tilegpu.local_alloc %[[A]]
  // CHECK: scf.for
  // CHECK: %[[B:.*]] = tile.load %arg1
  // CHECK-NEXT: %[[SB:.*]] = tilegpu.local_alloc %[[B]]
  // CHECK-NOT: tilegpu.local_alloc
  // CHECK: tilegpu.local_load %[[SA]]
  // CHECK-NEXT: tilegpu.local_load %[[SB]]
  // CHECK: tile.dot
  // CHECK: tilegpu.local_load %[[SA]]
  // CHECK-NEXT: tilegpu.local_load %[[SB]]
  // CHECK: tile.dot
  // CHECK: scf.yield
  func.func @invariant(%arg0: tensor<64x32x!tile.ptr<bf16>, #blocked>, %arg1: tensor<32x64x!tile.ptr<bf16>, #blocked1>, %arg2: tensor<64x64x!tile.ptr<f32>, #blocked1>, %arg3: i32) attributes {tile.kernel} {
    %0 = tile.load %arg0 : tensor<64x32x!tile.ptr<bf16>, #blocked>
    %cst = arith.constant dense<0.000000e+00> : tensor<64x64xf32, #blocked1>
    %c0_i32 = arith.constant 0 : i32
    %c1_i32 = arith.constant 1 : i32
    %1 = scf.for %arg4 = %c0_i32 to %arg3 step %c1_i32 iter_args(%arg5 = %cst) -> (tensor<64x64xf32, #blocked1>)  : i32 {
      %2 = tile.load %arg1 : tensor<32x64x!tile.ptr<bf16>, #blocked1>
      %3 = tilegpu.convert_layout %0 : tensor<64x32xbf16, #blocked> -> tensor<64x32xbf16, #dot_op>
      %4 = tilegpu.convert_layout %2 : tensor<32x64xbf16, #blocked1> -> tensor<32x64xbf16, #dot_op1>
      %5 = tile.dot %3, %4, %arg5 : tensor<64x32xbf16, #dot_op>, tensor<32x64xbf16, #dot_op1> -> tensor<64x64xf32, #blocked1>
      %6 = tilegpu.convert_layout %0 : tensor<64x32xbf16, #blocked> -> tensor<64x32xbf16, #dot_op>
      %7 = tilegpu.convert_layout %2 : tensor<32x64xbf16, #blocked1> -> tensor<32x64xbf16, #dot_op1>
      %8 = tile.dot %6, %7, %5 : tensor<64x32xbf16, #dot_op>, tensor<32x64xbf16, #dot_op1> -> tensor<64x64xf32, #blocked1>
      scf.yield %8 : tensor<64x64xf32, #blocked1>
    }
    tile.store %arg2, %1 : tensor<64x64x!tile.ptr<f32>, #blocked1>
    return
  }
}


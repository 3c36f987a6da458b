// tilegpu.convert_layout from laid-out tilegpu IR: one case for each strategy the planner
// (analysis/LayoutConversion.h) picks by comparing the two LinearLayouts, cheapest first.
//
//  - @noop:          #blocked and a #linear that say the same thing (and, in @mma_to_operand,
//                    an mma accumulator and the A operand of the next dot: for 16-bit types
//                    their registers coincide): the registers are passed through untouched;
//  - @permute:       same lanes and warps, register bases swapped: the registers are reordered
//                    (1 <-> 2) and nothing else happens: no shuffle, no shared memory;
//  - @shuffle:       the same warps, lanes transposed within each warp (lanes along columns ->
//                    lanes along rows): one shfl.sync.idx per register, no shared memory;
//  - @through_shared: rows to rows, but different warps own them: vector stores (st.shared.v4)
//                    into the scratch at its tilegpu.shared_offset, exactly one barrier (the op's
//                    own, between writing and reading), vector loads (ld.shared.v4);
//  - @transpose:     rows to columns: the planner keeps 16-byte stores and pays with 4-byte loads
//                    (no shared layout makes both sides contiguous), still exactly one barrier.
//
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | FileCheck %s
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_80 -o %t.sm_80.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_80.ptx
// RUN: %ptxas -arch=sm_80 %t.sm_80.ptx -o %t.sm_80.cubin
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_90a -o %t.sm_90a.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_90a.ptx
// RUN: %ptxas -arch=sm_90a %t.sm_90a.ptx -o %t.sm_90a.cubin
// REQUIRES: ptxas

#b4 = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#same = #tilegpu.linear<{register = [[1], [2]], lane = [[4], [8], [16], [32], [64]], warp = [[128], [256]]}>
#swapped = #tilegpu.linear<{register = [[2], [1]], lane = [[4], [8], [16], [32], [64]], warp = [[128], [256]]}>
#mma = #tilegpu.mma<{version = 2, warpsPerCTA = [4, 1], instrShape = [16, 8]}>
#opA = #tilegpu.dot_op<{opIdx = 0, parent = #mma, kWidth = 2}>
#rowLanes = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#colLanes = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [0, 1]}>
#rows = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [2, 16], warpsPerCTA = [4, 1], order = [1, 0]}>
#rowsOtherWarps = #tilegpu.blocked<{sizePerThread = [1, 4], threadsPerWarp = [8, 4], warpsPerCTA = [1, 4], order = [1, 0]}>
#cols = #tilegpu.blocked<{sizePerThread = [4, 1], threadsPerWarp = [16, 2], warpsPerCTA = [1, 4], order = [0, 1]}>
#rowsHalf = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [4, 1], order = [1, 0]}>
#colsHalf = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [1, 4], order = [0, 1]}>

module attributes {tilegpu.num_warps = 4 : i32} {
  // CHECK-LABEL: llvm.func @noop(
  // CHECK-NEXT: llvm.mlir.poison
  // CHECK-NEXT: llvm.insertvalue %arg0, %{{.*}}[0]
  // CHECK-NEXT: llvm.insertvalue %arg1, %{{.*}}[1]
  // CHECK-NEXT: llvm.insertvalue %arg2, %{{.*}}[2]
  // CHECK-NEXT: llvm.insertvalue %arg3, %{{.*}}[3]
  // CHECK-NEXT: llvm.return
  func.func @noop(%x: tensor<512xf32, #b4>) -> tensor<512xf32, #same> {
    %y = tilegpu.convert_layout %x : tensor<512xf32, #b4> -> tensor<512xf32, #same>
    return %y : tensor<512xf32, #same>
  }

  // CHECK-LABEL: llvm.func @mma_to_operand(
  // CHECK-NEXT: llvm.mlir.poison
  // CHECK-NEXT: llvm.insertvalue %arg0, %{{.*}}[0]
  // CHECK-NEXT: llvm.insertvalue %arg1, %{{.*}}[1]
  // CHECK-NEXT: llvm.insertvalue %arg2, %{{.*}}[2]
  // CHECK-NEXT: llvm.insertvalue %arg3, %{{.*}}[3]
  // CHECK-NEXT: llvm.insertvalue %arg4, %{{.*}}[4]
  // CHECK-NEXT: llvm.insertvalue %arg5, %{{.*}}[5]
  // CHECK-NEXT: llvm.insertvalue %arg6, %{{.*}}[6]
  // CHECK-NEXT: llvm.insertvalue %arg7, %{{.*}}[7]
  // CHECK-NEXT: llvm.return
  func.func @mma_to_operand(%x: tensor<64x16xbf16, #mma>) -> tensor<64x16xbf16, #opA> {
    %y = tilegpu.convert_layout %x : tensor<64x16xbf16, #mma> -> tensor<64x16xbf16, #opA>
    return %y : tensor<64x16xbf16, #opA>
  }

  // Destination register 1 holds element 2 = source register 2, and the reverse.
  // CHECK-LABEL: llvm.func @permute(
  // CHECK-NEXT: llvm.mlir.poison
  // CHECK-NEXT: llvm.insertvalue %arg0, %{{.*}}[0]
  // CHECK-NEXT: llvm.insertvalue %arg2, %{{.*}}[1]
  // CHECK-NEXT: llvm.insertvalue %arg1, %{{.*}}[2]
  // CHECK-NEXT: llvm.insertvalue %arg3, %{{.*}}[3]
  // CHECK-NEXT: llvm.return
  func.func @permute(%x: tensor<512xf32, #same>) -> tensor<512xf32, #swapped> {
    %y = tilegpu.convert_layout %x : tensor<512xf32, #same> -> tensor<512xf32, #swapped>
    return %y : tensor<512xf32, #swapped>
  }

  // Reader lane l (row l % 4, column l / 4) reads sender lane 8 * (l % 4) + l / 4: a rotation
  // of the lane id's bits by 2, computed from the lane id, then one shfl.sync.idx.
  // CHECK-LABEL: llvm.func @shuffle(
  // CHECK: nvvm.read.ptx.sreg.tid.x
  // CHECK-NOT: global_smem
  // CHECK: %[[V:.*]] = nvvm.shfl.sync idx %{{.*}}, %arg0, %{{.*}}, %{{.*}} : f32 -> f32
  // CHECK-NEXT: llvm.return %[[V]] : f32
  // PTX-LABEL: shuffle(
  // PTX-NOT: bar.sync
  // PTX: shfl.sync.idx.b32
  // PTX-NOT: shfl.sync
  // PTX-NOT: bar.sync
  // PTX: End function
  func.func @shuffle(%x: tensor<16x8xf32, #rowLanes>) -> tensor<16x8xf32, #colLanes> {
    %y = tilegpu.convert_layout %x : tensor<16x8xf32, #rowLanes> -> tensor<16x8xf32, #colLanes>
    return %y : tensor<16x8xf32, #colLanes>
  }

  // 64x64 f32: 32 registers per thread, 8 vector stores and 8 vector loads of 16 bytes, in the
  // scratch at byte 1024 of the kernel's shared memory.
  // CHECK-LABEL: llvm.func @through_shared(
  // CHECK-NOT: nvvm.shfl.sync
  // CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @global_smem : !llvm.ptr<3>
  // CHECK-NEXT: %[[BASE:.*]] = llvm.getelementptr %[[SMEM]][1024] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
  // CHECK-COUNT-8: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<3>
  // CHECK-NOT: llvm.store
  // CHECK: nvvm.barrier0
  // CHECK-NOT: nvvm.barrier0
  // CHECK-COUNT-8: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<3> -> vector<4xf32>
  // CHECK-NOT: llvm.load
  // CHECK-NOT: nvvm.barrier0
  // CHECK: llvm.return
  // PTX-LABEL: through_shared(
  // PTX-COUNT-8: st.shared.v4.b32
  // PTX-NOT: ld.shared
  // PTX: bar.sync 0;
  // PTX-NOT: bar.sync
  // PTX-COUNT-8: ld.shared.v4.b32
  // PTX-NOT: bar.sync
  // PTX: End function
  func.func @through_shared(%x: tensor<64x64xf32, #rows>) -> tensor<64x64xf32, #rowsOtherWarps> {
    %y = tilegpu.convert_layout %x {tilegpu.shared_offset = 1024 : i32} : tensor<64x64xf32, #rows> -> tensor<64x64xf32, #rowsOtherWarps>
    return %y : tensor<64x64xf32, #rowsOtherWarps>
  }

  // CHECK-LABEL: llvm.func @transpose(
  // CHECK-COUNT-8: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<3>
  // CHECK-NOT: llvm.store
  // CHECK: nvvm.barrier0
  // CHECK-NOT: nvvm.barrier0
  // CHECK-COUNT-32: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr<3> -> f32
  // CHECK-NOT: llvm.load
  // CHECK-NOT: nvvm.barrier0
  // CHECK: llvm.return
  // PTX-LABEL: transpose(
  // PTX-COUNT-8: st.shared.v4.b32
  // PTX: bar.sync 0;
  // PTX-NOT: bar.sync
  // PTX-COUNT-32: ld.shared.b32
  // PTX-NOT: bar.sync
  // PTX: End function
  func.func @transpose(%x: tensor<64x64xf32, #rows>) -> tensor<64x64xf32, #cols> {
    %y = tilegpu.convert_layout %x {tilegpu.shared_offset = 0 : i32} : tensor<64x64xf32, #rows> -> tensor<64x64xf32, #cols>
    return %y : tensor<64x64xf32, #cols>
  }

  // 2x32 over 4 warps: warps 2 and 3 hold replicas of warps 0 and 1's elements. Only the
  // owners (warp bit 1 clear) write the shared buffer: replicas writing the same bytes are a
  // race for compute-sanitizer's racecheck.
  // CHECK-LABEL: llvm.func @replicas_do_not_write(
  // CHECK: %[[TWO:.*]] = llvm.mlir.constant(2 : i32) : i32
  // CHECK-NEXT: %[[W1:.*]] = llvm.and %{{.*}}, %[[TWO]] : i32
  // CHECK-NEXT: %[[OWN:.*]] = llvm.icmp "eq" %[[W1]], %{{.*}} : i32
  // CHECK-NEXT: cf.cond_br %[[OWN]], ^[[ST:[^,]*]],
  // CHECK: ^[[ST]]:
  // CHECK-NEXT: llvm.getelementptr
  // CHECK-NEXT: llvm.store
  // CHECK-NEXT: cf.br
  // CHECK: nvvm.barrier0
  // CHECK: llvm.load
  func.func @replicas_do_not_write(%x: tensor<2x32xf32, #rowsHalf>) -> tensor<2x32xf32, #colsHalf> {
    %y = tilegpu.convert_layout %x {tilegpu.shared_offset = 0 : i32} : tensor<2x32xf32, #rowsHalf> -> tensor<2x32xf32, #colsHalf>
    return %y : tensor<2x32xf32, #colsHalf>
  }
}

// Reductions and scans from laid-out tilegpu IR (ReduceScanOpToLLVM.cpp, analysis/ReduceScan.h).
//
// Both work in the source's own layout, in up to three steps along the axis, each only as far
// as the layout spreads the axis: within a thread, across lanes (shfl.sync), across warps
// (through the op's scratch, at its tilegpu.shared_offset, with exactly one barrier of its own).
// One case per step:
//  - @in_thread:    each thread holds a whole row of 8: seven adds, no shuffle, no shared memory;
//  - @in_warp:      a row is 4 registers x 8 lanes (lane bits 0-2): three maxima in the thread,
//                   then a butterfly over lane masks 1, 2, 4, and nothing through shared memory;
//  - @across_warps: 1024 elements over 4 registers, 32 lanes and 4 warps: butterfly 1..16, then
//                   each warp's partial stored at offset 256 + 4 * warp, one barrier, 4 loads;
//  - @scan_in_warp: an inclusive scan along 8 lanes (shfl.up by 1, 2, 4), the lane's exclusive
//                   prefix (shfl.up 1) and the row's total (shfl.idx from the last lane) carried
//                   into the next register's repetition; no shared memory;
//  - @reverse_scan_across_warps: a reverse scan walks from the end (shfl.down) and meets the
//                   other warps' totals in the scratch, with one barrier;
//  - @scan_two_rounds: a tile twice the layout's pattern goes through the scratch twice, the
//                   second round fenced off from the first's reads: three barriers.
//
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | FileCheck %s
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_80 -o %t.sm_80.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_80.ptx
// RUN: %ptxas -arch=sm_80 %t.sm_80.ptx -o %t.sm_80.cubin
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_90a -o %t.sm_90a.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_90a.ptx
// RUN: %ptxas -arch=sm_90a %t.sm_90a.ptx -o %t.sm_90a.cubin
// REQUIRES: ptxas

#rowPerThread = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [32, 1], warpsPerCTA = [4, 1], order = [1, 0]}>
#lanes = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#b4 = #tilegpu.blocked<{sizePerThread = [4], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#rowsOfRowPerThread = #tilegpu.slice<{dim = 1, parent = #rowPerThread}>
#rowsOfLanes = #tilegpu.slice<{dim = 1, parent = #lanes}>

module attributes {tilegpu.num_warps = 4 : i32} {
  // CHECK-LABEL: llvm.func @in_thread(
  // CHECK-SAME: -> f32
  // CHECK: %[[S1:.*]] = llvm.fadd %arg0, %arg1 : f32
  // CHECK-NEXT: %[[S2:.*]] = llvm.fadd %[[S1]], %arg2 : f32
  // CHECK-NEXT: %[[S3:.*]] = llvm.fadd %[[S2]], %arg3 : f32
  // CHECK-NEXT: %[[S4:.*]] = llvm.fadd %[[S3]], %arg4 : f32
  // CHECK-NEXT: %[[S5:.*]] = llvm.fadd %[[S4]], %arg5 : f32
  // CHECK-NEXT: %[[S6:.*]] = llvm.fadd %[[S5]], %arg6 : f32
  // CHECK-NEXT: %[[S7:.*]] = llvm.fadd %[[S6]], %arg7 : f32
  // CHECK-NEXT: llvm.return %[[S7]] : f32
  // PTX-LABEL: in_thread(
  // PTX-NOT: shfl.sync
  // PTX-NOT: bar.sync
  // PTX: End function
  func.func @in_thread(%x: tensor<128x8xf32, #rowPerThread>) -> tensor<128xf32, #rowsOfRowPerThread> {
    %r = tile.reduce sum %x {axis = 1 : i32} : tensor<128x8xf32, #rowPerThread> -> tensor<128xf32, #rowsOfRowPerThread>
    return %r : tensor<128xf32, #rowsOfRowPerThread>
  }

  // CHECK-LABEL: llvm.func @in_warp(
  // CHECK: %[[M1:.*]] = llvm.intr.maximum(%arg0, %arg1)
  // CHECK-NEXT: %[[M2:.*]] = llvm.intr.maximum(%[[M1]], %arg2)
  // CHECK-NEXT: %[[M3:.*]] = llvm.intr.maximum(%[[M2]], %arg3)
  // CHECK-NEXT: %[[K1:.*]] = llvm.mlir.constant(1 : i32) : i32
  // CHECK: %[[X1:.*]] = nvvm.shfl.sync bfly %{{.*}}, %[[M3]], %[[K1]], %{{.*}} : f32 -> f32
  // CHECK-NEXT: %[[M4:.*]] = llvm.intr.maximum(%[[M3]], %[[X1]])
  // CHECK-NEXT: %[[K2:.*]] = llvm.mlir.constant(2 : i32) : i32
  // CHECK: %[[X2:.*]] = nvvm.shfl.sync bfly %{{.*}}, %[[M4]], %[[K2]], %{{.*}} : f32 -> f32
  // CHECK-NEXT: %[[M5:.*]] = llvm.intr.maximum(%[[M4]], %[[X2]])
  // CHECK-NEXT: %[[K4:.*]] = llvm.mlir.constant(4 : i32) : i32
  // CHECK: %[[X4:.*]] = nvvm.shfl.sync bfly %{{.*}}, %[[M5]], %[[K4]], %{{.*}} : f32 -> f32
  // CHECK-NEXT: %[[M6:.*]] = llvm.intr.maximum(%[[M5]], %[[X4]])
  // CHECK-NOT: nvvm.shfl.sync
  // CHECK-NOT: nvvm.barrier0
  // CHECK-NOT: global_smem
  // CHECK: llvm.return %[[M6]] : f32
  // PTX-LABEL: in_warp(
  // PTX: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
  // PTX-NEXT: max.NaN.f32
  // PTX-NEXT: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
  // PTX-NEXT: max.NaN.f32
  // PTX-NEXT: shfl.sync.bfly.b32 {{.*}}, 4, 31, -1;
  // PTX-NOT: shfl.sync
  // PTX-NOT: bar.sync
  // PTX: End function
  func.func @in_warp(%x: tensor<16x32xf32, #lanes>) -> tensor<16xf32, #rowsOfLanes> {
    %r = tile.reduce max %x {axis = 1 : i32} : tensor<16x32xf32, #lanes> -> tensor<16xf32, #rowsOfLanes>
    return %r : tensor<16xf32, #rowsOfLanes>
  }

  // CHECK-LABEL: llvm.func @across_warps(
  // CHECK-COUNT-7: llvm.fadd
  // CHECK-COUNT-5: nvvm.shfl.sync bfly
  // CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @global_smem : !llvm.ptr<3>
  // CHECK-NEXT: %[[SCRATCH:.*]] = llvm.getelementptr %[[SMEM]][256] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
  // CHECK: %[[SLOT:.*]] = llvm.getelementptr %[[SCRATCH]][%{{.*}}] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, f32
  // CHECK-NEXT: llvm.store %{{.*}}, %[[SLOT]] {alignment = 4 : i64} : f32, !llvm.ptr<3>
  // CHECK-NEXT: cf.br
  // CHECK-NEXT: ^bb{{[0-9]+}}:
  // CHECK-NEXT: nvvm.barrier0
  // CHECK-COUNT-4: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr<3> -> f32
  // CHECK-NOT: nvvm.barrier0
  // CHECK: llvm.return
  // PTX-LABEL: across_warps(
  // PTX: shfl.sync.bfly.b32 {{.*}}, 1, 31, -1;
  // PTX: shfl.sync.bfly.b32 {{.*}}, 2, 31, -1;
  // PTX: shfl.sync.bfly.b32 {{.*}}, 4, 31, -1;
  // PTX: shfl.sync.bfly.b32 {{.*}}, 8, 31, -1;
  // PTX: shfl.sync.bfly.b32 {{.*}}, 16, 31, -1;
  // PTX: st.shared.b32 [{{.*}}+256],
  // PTX: bar.sync 0;
  // PTX-NEXT: ld.shared.b32 {{.*}}, [global_smem+256];
  // PTX-NEXT: ld.shared.b32 {{.*}}, [global_smem+260];
  // PTX: ld.shared.b32 {{.*}}, [global_smem+264];
  // PTX: ld.shared.b32 {{.*}}, [global_smem+268];
  // PTX-NOT: bar.sync
  // PTX: End function
  func.func @across_warps(%x: tensor<1024xf32, #b4>) -> f32 {
    %r = tile.reduce sum %x {axis = 0 : i32, tilegpu.shared_offset = 256 : i32} : tensor<1024xf32, #b4> -> f32
    return %r : f32
  }

  // Per register (a repetition of the lanes' pattern along the row): the lanes' inclusive scan,
  // the exclusive prefix from the lane before, the row's total from the last lane.
  // CHECK-LABEL: llvm.func @scan_in_warp(
  // CHECK-COUNT-4: nvvm.shfl.sync up
  // CHECK: nvvm.shfl.sync idx
  // CHECK-COUNT-4: nvvm.shfl.sync up
  // CHECK: nvvm.shfl.sync idx
  // CHECK-NOT: nvvm.barrier0
  // CHECK-NOT: global_smem
  // CHECK: llvm.return
  // PTX-LABEL: scan_in_warp(
  // PTX: shfl.sync.up.b32 {{.*}}, 1, 0, -1;
  // PTX: shfl.sync.up.b32 {{.*}}, 2, 0, -1;
  // PTX: shfl.sync.up.b32 {{.*}}, 4, 0, -1;
  // PTX: shfl.sync.up.b32 {{.*}}, 1, 0, -1;
  // PTX: shfl.sync.idx.b32
  // PTX-NOT: bar.sync
  // PTX: End function
  func.func @scan_in_warp(%x: tensor<16x32xi32, #lanes>) -> tensor<16x32xi32, #lanes> {
    %r = tile.scan sum %x {axis = 1 : i32} : tensor<16x32xi32, #lanes>
    return %r : tensor<16x32xi32, #lanes>
  }

  // 512 elements: one repetition of the layout's pattern, so one round through the scratch.
  // CHECK-LABEL: llvm.func @reverse_scan_across_warps(
  // CHECK: llvm.mlir.addressof @global_smem : !llvm.ptr<3>
  // CHECK-NOT: nvvm.shfl.sync up
  // CHECK: nvvm.shfl.sync down
  // CHECK: nvvm.shfl.sync idx
  // CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : i32, !llvm.ptr<3>
  // CHECK-NEXT: cf.br
  // CHECK-NEXT: ^bb{{[0-9]+}}:
  // CHECK-NEXT: nvvm.barrier0
  // CHECK-COUNT-4: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr<3> -> i32
  // CHECK-NOT: nvvm.barrier0
  // CHECK-NOT: nvvm.shfl.sync up
  // CHECK: llvm.return
  // PTX-LABEL: reverse_scan_across_warps(
  // PTX: shfl.sync.down.b32 {{.*}}, 1, 31, -1;
  // PTX: st.shared.b32
  // PTX: bar.sync 0;
  // PTX-NOT: bar.sync
  // PTX: End function
  func.func @reverse_scan_across_warps(%x: tensor<512xi32, #b4>) -> tensor<512xi32, #b4> {
    %r = tile.scan sum %x {axis = 0 : i32, reverse = true, tilegpu.shared_offset = 0 : i32} : tensor<512xi32, #b4>
    return %r : tensor<512xi32, #b4>
  }

  // 1024 elements: two repetitions (register bit 2 walks the axis past the warps), each a round
  // through the same scratch: store, barrier, loads; the second round's store waits behind a
  // barrier for the first round's loads. Three barriers, the second total carried into the
  // second repetition.
  // CHECK-LABEL: llvm.func @scan_two_rounds(
  // CHECK: llvm.store %{{.*}} : i32, !llvm.ptr<3>
  // CHECK-NEXT: cf.br
  // CHECK-NEXT: ^bb{{[0-9]+}}:
  // CHECK-NEXT: nvvm.barrier0
  // CHECK-COUNT-4: llvm.load %{{.*}} : !llvm.ptr<3> -> i32
  // CHECK: nvvm.barrier0
  // CHECK-NOT: llvm.load
  // CHECK: llvm.store %{{.*}} : i32, !llvm.ptr<3>
  // CHECK-NEXT: cf.br
  // CHECK-NEXT: ^bb{{[0-9]+}}:
  // CHECK-NEXT: nvvm.barrier0
  // CHECK-COUNT-4: llvm.load %{{.*}} : !llvm.ptr<3> -> i32
  // CHECK-NOT: nvvm.barrier0
  // CHECK: llvm.return
  func.func @scan_two_rounds(%x: tensor<1024xi32, #b4>) -> tensor<1024xi32, #b4> {
    %r = tile.scan sum %x {axis = 0 : i32, tilegpu.shared_offset = 0 : i32} : tensor<1024xi32, #b4>
    return %r : tensor<1024xi32, #b4>
  }
}

// Async copies from laid-out tilegpu IR (AsyncCopyOpToLLVM.cpp): what the software pipeliner
// emits, lowered on its own.
//
//  - @ring: a ring of 3 buffers of 32x64 bf16 at byte 1024; memdesc_subview picks slot %i as
//    base + %i * 4096 bytes (one slot); the copy moves each thread's 16 elements in two
//    16-byte cp.async.cg pieces (8 consecutive columns, 16-byte aligned pointers); where the
//    mask is false the piece copies 0 bytes and zero-fills (src-size = select(mask, 16, 0));
//    without a mask there is no src-size operand; commit_group closes each group and
//    wait_group 1 leaves one in flight;
//  - @words: nothing is known of the pointer's alignment: 4-byte pieces, cp.async.ca;
//  - @replicas: 64 elements over 128 threads (warps 2 and 3 hold replicas of warps 0 and 1):
//    only the canonical holders copy, behind a branch on the warp, so that no byte is written
//    twice (racecheck reports two threads writing one byte as a hazard).
//
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | FileCheck %s
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_80 -o %t.sm_80.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_80.ptx
// RUN: %ptxas -arch=sm_80 %t.sm_80.ptx -o %t.sm_80.cubin
// RUN: lacc-opt %s --convert-tilegpu-to-llvm | %llvm_dialect_to_ptx -mcpu=sm_90a -o %t.sm_90a.ptx
// RUN: FileCheck %s --check-prefix=PTX < %t.sm_90a.ptx
// RUN: %ptxas -arch=sm_90a %t.sm_90a.ptx -o %t.sm_90a.cubin
// REQUIRES: ptxas

#rows = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [4, 8], warpsPerCTA = [4, 1], order = [1, 0]}>
#rowsR = #tilegpu.slice<{dim = 1, parent = #rows}>
#rowsC = #tilegpu.slice<{dim = 0, parent = #rows}>
#sw = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [1, 0]}>
#ring = #tilegpu.shared<{vec = 8, perPhase = 1, maxPhase = 8, order = [2, 1, 0]}>
#b1 = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#flat = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [0]}>
module attributes {tilegpu.num_warps = 4 : i32} {
  // CHECK-LABEL: llvm.func @ring(
  // CHECK: %[[SMEM:.*]] = llvm.mlir.addressof @global_smem : !llvm.ptr<3>
  // CHECK-NEXT: %[[RING:.*]] = llvm.getelementptr %[[SMEM]][1024] : (!llvm.ptr<3>) -> !llvm.ptr<3>, i8
  // CHECK-NEXT: %[[SLOTBYTES:.*]] = llvm.mlir.constant(4096 : i32) : i32
  // CHECK-NEXT: %[[OFF:.*]] = llvm.mul %arg2, %[[SLOTBYTES]] : i32
  // CHECK-NEXT: %[[SLOT:.*]] = llvm.getelementptr %[[RING]][%[[OFF]]] : (!llvm.ptr<3>, i32) -> !llvm.ptr<3>, i8
  // CHECK: %[[SIZE:.*]] = llvm.select %{{.*}}, %{{.*}}, %{{.*}} : i1, i32
  // CHECK-NEXT: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = cg, %[[SIZE]] : !llvm.ptr<3>, !llvm.ptr<1>, i32
  // CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
  // CHECK-NEXT: nvvm.cp.async.commit.group
  // CHECK-COUNT-2: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache = cg : !llvm.ptr<3>, !llvm.ptr<1>{{$}}
  // CHECK-NEXT: nvvm.cp.async.commit.group
  // CHECK-NEXT: nvvm.cp.async.wait.group 1
  // CHECK-NOT: nvvm.cp.async
  // CHECK: llvm.return
  // PTX-LABEL: .entry ring(
  // PTX: selp.b32 [[SIZE:%r[0-9]+]], 16, 0, %p{{[0-9]+}};
  // PTX: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, [[SIZE]];
  // PTX: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, [[SIZE]];
  // PTX-NEXT: cp.async.commit_group;
  // PTX-NEXT: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16;
  // PTX-NEXT: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16;
  // PTX-NEXT: cp.async.commit_group;
  // PTX-NEXT: cp.async.wait_group 1;
  func.func @ring(%p: !tile.ptr<bf16> {tile.divisibility = 16 : i32}, %k: i32 {tile.divisibility = 16 : i32}, %slotIndex: i32) attributes {tile.kernel} {
    %r = tile.make_range 0, 32 : tensor<32xi32, #rowsR>
    %c = tile.make_range 0, 64 : tensor<64xi32, #rowsC>
    %re = tile.expand_dims %r {axis = 1 : i32} : tensor<32xi32, #rowsR> -> tensor<32x1xi32, #rows>
    %c64 = arith.constant dense<64> : tensor<32x1xi32, #rows>
    %rm = arith.muli %re, %c64 : tensor<32x1xi32, #rows>
    %rb = tile.broadcast %rm : tensor<32x1xi32, #rows> -> tensor<32x64xi32, #rows>
    %ce = tile.expand_dims %c {axis = 0 : i32} : tensor<64xi32, #rowsC> -> tensor<1x64xi32, #rows>
    %cb = tile.broadcast %ce : tensor<1x64xi32, #rows> -> tensor<32x64xi32, #rows>
    %off = arith.addi %rb, %cb : tensor<32x64xi32, #rows>
    %ps = tile.splat %p : tensor<32x64x!tile.ptr<bf16>, #rows>
    %ptrs = tile.addptr %ps, %off : tensor<32x64x!tile.ptr<bf16>, #rows>, tensor<32x64xi32, #rows>
    %ks = tile.splat %k : tensor<32x64xi32, #rows>
    %mask = arith.cmpi slt, %cb, %ks : tensor<32x64xi32, #rows>
    %buf = tilegpu.local_alloc {tilegpu.shared_offset = 1024 : i32} -> !tilegpu.memdesc<3x32x64xbf16, #ring>
    %slot = tilegpu.memdesc_subview %buf[%slotIndex] : !tilegpu.memdesc<3x32x64xbf16, #ring> -> !tilegpu.memdesc<32x64xbf16, #sw>
    tilegpu.async_copy_global_to_local %ptrs, %slot, %mask : tensor<32x64x!tile.ptr<bf16>, #rows> -> !tilegpu.memdesc<32x64xbf16, #sw>, tensor<32x64xi1, #rows>
    tilegpu.async_commit_group
    tilegpu.async_copy_global_to_local %ptrs, %slot : tensor<32x64x!tile.ptr<bf16>, #rows> -> !tilegpu.memdesc<32x64xbf16, #sw>
    tilegpu.async_commit_group
    tilegpu.async_wait {num = 1 : i32}
    return
  }
  // CHECK-LABEL: llvm.func @words(
  // CHECK: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache = ca : !llvm.ptr<3>, !llvm.ptr<1>{{$}}
  // CHECK-NEXT: nvvm.cp.async.commit.group
  // CHECK-NEXT: nvvm.cp.async.wait.group 0
  // PTX-LABEL: .entry words(
  // PTX: cp.async.ca.shared.global [{{.*}}], [{{.*}}], 4;
  // PTX-NEXT: cp.async.commit_group;
  // PTX-NEXT: cp.async.wait_group 0;
  func.func @words(%p: !tile.ptr<f32>) attributes {tile.kernel} {
    %r = tile.make_range 0, 128 : tensor<128xi32, #b1>
    %ps = tile.splat %p : tensor<128x!tile.ptr<f32>, #b1>
    %ptrs = tile.addptr %ps, %r : tensor<128x!tile.ptr<f32>, #b1>, tensor<128xi32, #b1>
    %buf = tilegpu.local_alloc {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<128xf32, #flat>
    tilegpu.async_copy_global_to_local %ptrs, %buf : tensor<128x!tile.ptr<f32>, #b1> -> !tilegpu.memdesc<128xf32, #flat>
    tilegpu.async_commit_group
    tilegpu.async_wait {num = 0 : i32}
    return
  }
  // CHECK-LABEL: llvm.func @replicas(
  // CHECK: cf.cond_br %{{.*}}, ^[[COPY:bb[0-9]+]], ^[[DONE:bb[0-9]+]]
  // CHECK: ^[[COPY]]:
  // CHECK-NEXT: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 4, cache = ca : !llvm.ptr<3>, !llvm.ptr<1>{{$}}
  // CHECK-NEXT: cf.br ^[[DONE]]
  // CHECK: ^[[DONE]]:
  // CHECK-NEXT: nvvm.cp.async.commit.group
  // PTX-LABEL: .entry replicas(
  // PTX: @%p{{[0-9]+}} bra
  // PTX: cp.async.ca.shared.global [{{.*}}], [{{.*}}], 4;
  func.func @replicas(%p: !tile.ptr<f32>) attributes {tile.kernel} {
    %r = tile.make_range 0, 64 : tensor<64xi32, #b1>
    %ps = tile.splat %p : tensor<64x!tile.ptr<f32>, #b1>
    %ptrs = tile.addptr %ps, %r : tensor<64x!tile.ptr<f32>, #b1>, tensor<64xi32, #b1>
    %buf = tilegpu.local_alloc {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<64xf32, #flat>
    tilegpu.async_copy_global_to_local %ptrs, %buf : tensor<64x!tile.ptr<f32>, #b1> -> !tilegpu.memdesc<64xf32, #flat>
    tilegpu.async_commit_group
    tilegpu.async_wait {num = 0 : i32}
    return
  }
}

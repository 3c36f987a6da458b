// Global loads, stores and atomics from laid-out tilegpu IR (LoadStoreOpToLLVM.cpp).
//
// What is checked:
//  - the vector width is the run of consecutive registers the layout gives (sizePerThread along
//    the fastest dimension) capped by what the axis info proves about the pointers (contiguity,
//    16-byte alignment from tile.divisibility) and the mask (constancy): 4 x f32 and 8 x bf16
//    accesses of 16 bytes, 2 x f32 where the layout stops at 2, scalars where the pointer's
//    alignment or the mask's constancy is unknown;
//  - a masked access sits behind a branch on its group's predicate, and a masked-off load
//    yields `other`;
//  - elements a thread holds only as a replica (a 64-element tile over 128 threads: warps 2 and
//    3 repeat warps 0 and 1) are stored and atomically updated once, by the owner: the write is
//    predicated on (warp id & 2) == 0, and loads are not predicated at all.
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
#b2 = #tilegpu.blocked<{sizePerThread = [2], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#b1 = #tilegpu.blocked<{sizePerThread = [1], threadsPerWarp = [32], warpsPerCTA = [4], order = [0]}>
#rows = #tilegpu.blocked<{sizePerThread = [1, 8], threadsPerWarp = [8, 4], warpsPerCTA = [4, 1], order = [1, 0]}>
#rowsR = #tilegpu.slice<{dim = 1, parent = #rows}>
#rowsC = #tilegpu.slice<{dim = 0, parent = #rows}>

module attributes {tilegpu.num_warps = 4 : i32} {
  // Workaround, not under test: convert-tilegpu-to-llvm creates cf branches for predicated
  // accesses but does not declare the cf dialect, which lacc-opt then has not loaded (see
  // tilegpu-to-llvm-needs-cf.mlir). Parsing one cf op loads it.
  func.func private @load_cf_dialect() {
    cf.br ^bb1
  ^bb1:
    return
  }

  // 512 f32 over 128 threads, 4 consecutive per thread, 16-byte aligned: one 16-byte load and
  // one 16-byte store per thread.
  // CHECK-LABEL: llvm.func @vectorized
  // CHECK-SAME: nvvm.kernel, nvvm.maxntid = array<i32: 128, 1, 1>
  // CHECK-NOT: llvm.load
  // CHECK: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xf32>
  // CHECK-NOT: llvm.load
  // CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<1>
  // CHECK-NOT: llvm.store
  // CHECK: llvm.return
  // PTX-LABEL: .entry vectorized(
  // PTX: ld.global.v4.b32
  // PTX: st.global.v4.b32
  // PTX: ret;
  func.func @vectorized(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                        %q: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %r = tile.make_range 0, 512 : tensor<512xi32, #b4>
    %s = tile.splat %p : tensor<512x!tile.ptr<f32>, #b4>
    %a = tile.addptr %s, %r : tensor<512x!tile.ptr<f32>, #b4>, tensor<512xi32, #b4>
    %x = tile.load %a : tensor<512x!tile.ptr<f32>, #b4>
    %s2 = tile.splat %q : tensor<512x!tile.ptr<f32>, #b4>
    %a2 = tile.addptr %s2, %r : tensor<512x!tile.ptr<f32>, #b4>, tensor<512xi32, #b4>
    tile.store %a2, %x : tensor<512x!tile.ptr<f32>, #b4>
    return
  }

  // The same layout, but nothing is known of %p's alignment: four 4-byte loads; the store
  // through the aligned %q stays one vector.
  // CHECK-LABEL: llvm.func @unaligned
  // CHECK-COUNT-4: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr<1> -> f32
  // CHECK-NOT: llvm.load
  // CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<1>
  // CHECK-NOT: llvm.store
  // CHECK: llvm.return
  // PTX-LABEL: .entry unaligned(
  // PTX-COUNT-4: ld.global.b32
  // PTX: st.global.v4.b32
  func.func @unaligned(%p: !tile.ptr<f32>,
                       %q: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %r = tile.make_range 0, 512 : tensor<512xi32, #b4>
    %s = tile.splat %p : tensor<512x!tile.ptr<f32>, #b4>
    %a = tile.addptr %s, %r : tensor<512x!tile.ptr<f32>, #b4>, tensor<512xi32, #b4>
    %x = tile.load %a : tensor<512x!tile.ptr<f32>, #b4>
    %s2 = tile.splat %q : tensor<512x!tile.ptr<f32>, #b4>
    %a2 = tile.addptr %s2, %r : tensor<512x!tile.ptr<f32>, #b4>, tensor<512xi32, #b4>
    tile.store %a2, %x : tensor<512x!tile.ptr<f32>, #b4>
    return
  }

  // The pointers would allow 16 bytes; the layout gives each thread runs of 2: 8-byte accesses,
  // two per thread (512 elements over 128 threads).
  // CHECK-LABEL: llvm.func @layout_caps_width
  // CHECK-COUNT-2: llvm.load %{{.*}} {alignment = 8 : i64} : !llvm.ptr<1> -> vector<2xf32>
  // CHECK-NOT: llvm.load
  // CHECK-COUNT-2: llvm.store %{{.*}}, %{{.*}} {alignment = 8 : i64} : vector<2xf32>, !llvm.ptr<1>
  // CHECK-NOT: llvm.store
  // CHECK: llvm.return
  // PTX-LABEL: .entry layout_caps_width(
  // PTX-COUNT-2: ld.global.v2.b32
  func.func @layout_caps_width(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                               %q: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %r = tile.make_range 0, 512 : tensor<512xi32, #b2>
    %s = tile.splat %p : tensor<512x!tile.ptr<f32>, #b2>
    %a = tile.addptr %s, %r : tensor<512x!tile.ptr<f32>, #b2>, tensor<512xi32, #b2>
    %x = tile.load %a : tensor<512x!tile.ptr<f32>, #b2>
    %s2 = tile.splat %q : tensor<512x!tile.ptr<f32>, #b2>
    %a2 = tile.addptr %s2, %r : tensor<512x!tile.ptr<f32>, #b2>, tensor<512xi32, #b2>
    tile.store %a2, %x : tensor<512x!tile.ptr<f32>, #b2>
    return
  }

  // A 64x64 bf16 tile addressed row * 64 + column: 8 consecutive columns per thread, so
  // 16-byte accesses of 8 x bf16, four per thread (4096 elements over 128 threads).
  // CHECK-LABEL: llvm.func @rows_of_bf16
  // CHECK-COUNT-4: llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<8xbf16>
  // CHECK-NOT: llvm.load
  // CHECK-COUNT-4: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<8xbf16>, !llvm.ptr<1>
  // CHECK-NOT: llvm.store
  // CHECK: llvm.return
  // PTX-LABEL: .entry rows_of_bf16(
  // PTX-COUNT-4: ld.global.v4.b32
  // PTX-COUNT-4: st.global.v4.b32
  func.func @rows_of_bf16(%p: !tile.ptr<bf16> {tile.divisibility = 16 : i32},
                          %q: !tile.ptr<bf16> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %r = tile.make_range 0, 64 : tensor<64xi32, #rowsR>
    %c = tile.make_range 0, 64 : tensor<64xi32, #rowsC>
    %re = tile.expand_dims %r {axis = 1 : i32} : tensor<64xi32, #rowsR> -> tensor<64x1xi32, #rows>
    %c64 = arith.constant dense<64> : tensor<64x1xi32, #rows>
    %rm = arith.muli %re, %c64 : tensor<64x1xi32, #rows>
    %rb = tile.broadcast %rm : tensor<64x1xi32, #rows> -> tensor<64x64xi32, #rows>
    %ce = tile.expand_dims %c {axis = 0 : i32} : tensor<64xi32, #rowsC> -> tensor<1x64xi32, #rows>
    %cb = tile.broadcast %ce : tensor<1x64xi32, #rows> -> tensor<64x64xi32, #rows>
    %off = arith.addi %rb, %cb : tensor<64x64xi32, #rows>
    %s = tile.splat %p : tensor<64x64x!tile.ptr<bf16>, #rows>
    %a = tile.addptr %s, %off : tensor<64x64x!tile.ptr<bf16>, #rows>, tensor<64x64xi32, #rows>
    %x = tile.load %a : tensor<64x64x!tile.ptr<bf16>, #rows>
    %s2 = tile.splat %q : tensor<64x64x!tile.ptr<bf16>, #rows>
    %a2 = tile.addptr %s2, %off : tensor<64x64x!tile.ptr<bf16>, #rows>, tensor<64x64xi32, #rows>
    tile.store %a2, %x : tensor<64x64x!tile.ptr<bf16>, #rows>
    return
  }

  // Masked by offset < n with n a multiple of 16: the mask is constant over each group of 4,
  // so the accesses stay 16 bytes wide, each behind one branch on its group's predicate; the
  // masked-off load yields `other` (1.0) in all four lanes of the vector.
  // CHECK-LABEL: llvm.func @masked
  // CHECK: %[[ONE:.*]] = llvm.mlir.constant(1.000000e+00 : f32) : f32
  // CHECK: %[[IN:.*]] = llvm.icmp "slt" %{{.*}}, %arg2 : i32
  // CHECK: cf.cond_br %[[IN]], ^[[LOAD:.*]], ^[[OTHER:[^ ]*]]
  // CHECK: ^[[LOAD]]:
  // CHECK-NEXT: %[[V:.*]] = llvm.load %{{.*}} {alignment = 16 : i64} : !llvm.ptr<1> -> vector<4xf32>
  // CHECK-NEXT: cf.br ^[[JOIN:[^(]*]](%[[V]] : vector<4xf32>)
  // CHECK: ^[[OTHER]]:
  // CHECK-COUNT-4: llvm.insertelement %[[ONE]]
  // CHECK: cf.cond_br %[[IN]], ^[[STORE:[^,]*]],
  // CHECK: ^[[STORE]]:
  // CHECK: llvm.store %{{.*}}, %{{.*}} {alignment = 16 : i64} : vector<4xf32>, !llvm.ptr<1>
  // CHECK-NOT: llvm.load
  // CHECK-NOT: llvm.store
  // CHECK: llvm.return
  // PTX-LABEL: .entry masked(
  // PTX: @%p{{[0-9]+}} bra
  // PTX: ld.global.v4.b32
  // PTX: @%p{{[0-9]+}} bra
  // PTX: st.global.v4.b32
  func.func @masked(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                    %q: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                    %n: i32 {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %r = tile.make_range 0, 512 : tensor<512xi32, #b4>
    %ns = tile.splat %n : tensor<512xi32, #b4>
    %m = arith.cmpi slt, %r, %ns : tensor<512xi32, #b4>
    %s = tile.splat %p : tensor<512x!tile.ptr<f32>, #b4>
    %a = tile.addptr %s, %r : tensor<512x!tile.ptr<f32>, #b4>, tensor<512xi32, #b4>
    %o = arith.constant dense<1.0> : tensor<512xf32, #b4>
    %x = tile.load %a, %m, %o : tensor<512x!tile.ptr<f32>, #b4>
    %s2 = tile.splat %q : tensor<512x!tile.ptr<f32>, #b4>
    %a2 = tile.addptr %s2, %r : tensor<512x!tile.ptr<f32>, #b4>, tensor<512xi32, #b4>
    tile.store %a2, %x, %m : tensor<512x!tile.ptr<f32>, #b4>
    return
  }

  // The same, but nothing is known of n: the mask may change at any element, so every element
  // is its own 4-byte access behind its own branch.
  // CHECK-LABEL: llvm.func @mask_splits_vectors
  // CHECK-COUNT-4: llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr<1> -> f32
  // CHECK-NOT: llvm.load
  // CHECK-COUNT-4: llvm.store %{{.*}}, %{{.*}} {alignment = 4 : i64} : f32, !llvm.ptr<1>
  // CHECK-NOT: llvm.store
  // CHECK: llvm.return
  func.func @mask_splits_vectors(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                                 %q: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                                 %n: i32) attributes {tile.kernel} {
    %r = tile.make_range 0, 512 : tensor<512xi32, #b4>
    %ns = tile.splat %n : tensor<512xi32, #b4>
    %m = arith.cmpi slt, %r, %ns : tensor<512xi32, #b4>
    %s = tile.splat %p : tensor<512x!tile.ptr<f32>, #b4>
    %a = tile.addptr %s, %r : tensor<512x!tile.ptr<f32>, #b4>, tensor<512xi32, #b4>
    %x = tile.load %a, %m : tensor<512x!tile.ptr<f32>, #b4>
    %s2 = tile.splat %q : tensor<512x!tile.ptr<f32>, #b4>
    %a2 = tile.addptr %s2, %r : tensor<512x!tile.ptr<f32>, #b4>, tensor<512xi32, #b4>
    tile.store %a2, %x, %m : tensor<512x!tile.ptr<f32>, #b4>
    return
  }

  // 64 elements over 128 threads (one per thread): warps 2 and 3 hold the same elements as
  // warps 0 and 1. The load is done by everyone (no predicate); the store and the atomic add
  // are done by the owners only, warp bit 1 clear: an atomic done twice would add twice.
  // CHECK-LABEL: llvm.func @replicas
  // CHECK: %[[L:.*]] = llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr<1> -> f32
  // CHECK: %[[TID:.*]] = nvvm.read.ptx.sreg.tid.x : i32
  // CHECK: %[[WARP:.*]] = llvm.lshr %[[TID]], %{{.*}} : i32
  // CHECK: %[[TWO:.*]] = llvm.mlir.constant(2 : i32) : i32
  // CHECK: %[[W1:.*]] = llvm.and %[[WARP]], %[[TWO]] : i32
  // CHECK: %[[OWN:.*]] = llvm.icmp "eq" %[[W1]], %{{.*}} : i32
  // CHECK: cf.cond_br %[[OWN]], ^[[ST:[^,]*]],
  // CHECK: ^[[ST]]:
  // CHECK-NEXT: llvm.store %[[L]], %{{.*}} {alignment = 4 : i64} : f32, !llvm.ptr<1>
  // CHECK: cf.cond_br %{{.*}}, ^[[AT:[^,]*]],
  // CHECK: ^[[AT]]:
  // CHECK-NEXT: llvm.atomicrmw fadd %{{.*}}, %[[L]] syncscope("device") monotonic : !llvm.ptr<1>, f32
  // CHECK: llvm.return
  // PTX-LABEL: .entry replicas(
  // PTX: and.b32 {{.*}}, 2;
  // PTX: @%p{{[0-9]+}} bra
  // PTX: st.global.b32
  // PTX: @%p{{[0-9]+}} bra
  // PTX: atom.global.add.f32
  func.func @replicas(%p: !tile.ptr<f32> {tile.divisibility = 16 : i32},
                      %q: !tile.ptr<f32> {tile.divisibility = 16 : i32}) attributes {tile.kernel} {
    %r = tile.make_range 0, 64 : tensor<64xi32, #b1>
    %s = tile.splat %p : tensor<64x!tile.ptr<f32>, #b1>
    %a = tile.addptr %s, %r : tensor<64x!tile.ptr<f32>, #b1>, tensor<64xi32, #b1>
    %x = tile.load %a : tensor<64x!tile.ptr<f32>, #b1>
    %s2 = tile.splat %q : tensor<64x!tile.ptr<f32>, #b1>
    %a2 = tile.addptr %s2, %r : tensor<64x!tile.ptr<f32>, #b1>, tensor<64xi32, #b1>
    tile.store %a2, %x : tensor<64x!tile.ptr<f32>, #b1>
    %old = tile.atomic_rmw add %a2, %x : tensor<64x!tile.ptr<f32>, #b1>
    return
  }
}

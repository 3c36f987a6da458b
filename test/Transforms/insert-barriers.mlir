// RUN: lacc-opt %s --tilegpu-insert-barriers | FileCheck %s
//
// tilegpu-insert-barriers (analysis/Membar.cpp) over IR whose shared memory is already planned
// (tilegpu.shared_offset on every owner). A barrier goes before an op whose accesses conflict
// with accesses since the last barrier: a read after a write, a write after a read or a write,
// of overlapping bytes. Each function isolates one rule:
//   @raw_overlap        write [0, 4096), read [0, 4096): one barrier, before the read;
//   @raw_disjoint       write [0, 4096), read [4096, 8192): none;
//   @war                read [0, 4096), then write [2048, 6144): one, before the write;
//   @one_barrier_for_two  two writes of disjoint buffers, then their two reads: one barrier
//                       (before the first read) orders both;
//   @loop_carried       in a loop, a read at the end of an iteration and a write at the start
//                       of the next: one barrier at the top of the body (before the write), and
//                       the read after the write in the same iteration gets its own;
//   @if_join            a write in one branch of an scf.if, a read after it: one barrier after
//                       the if (the join keeps the branch's write);
//   @if_both_clean      both branches end with a barrier-free read only: no barrier after;
//   @scratch            a convert_layout through shared memory (its own write-barrier-read
//                       inside) after a local_load of the same bytes: a barrier before it; it
//                       leaves only its reads behind, so a following read needs none;
//   @async              an async copy is a write that other threads see only after a wait and
//                       a barrier: a local_load of its buffer needs the barrier; a copy marked
//                       ordered_by_loop_barrier into a slot read earlier needs none, the same
//                       copy without the mark does.

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [4, 1], order = [1, 0]}>
#c = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [1, 4], order = [0, 1]}>
#s = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]}>
#ring = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [2, 1, 0]}>

module attributes {tilegpu.num_warps = 4 : i32} {
  // CHECK-LABEL: func.func @raw_overlap
  // CHECK: tilegpu.local_alloc
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NOT: tilegpu.barrier
  // CHECK: return
  func.func @raw_overlap(%x: tensor<32x32xf32, #b>) -> tensor<32x32xf32, #b> attributes {tilegpu.shared = 8192 : i32} {
    %m = tilegpu.local_alloc %x : tensor<32x32xf32, #b> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    return %y : tensor<32x32xf32, #b>
  }

  // CHECK-LABEL: func.func @raw_disjoint
  // CHECK-NOT: tilegpu.barrier
  // CHECK: return
  func.func @raw_disjoint(%x: tensor<32x32xf32, #b>) -> tensor<32x32xf32, #b> attributes {tilegpu.shared = 8192 : i32} {
    %m = tilegpu.local_alloc %x : tensor<32x32xf32, #b> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %n = tilegpu.local_alloc {tilegpu.shared_offset = 4096 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %y = tilegpu.local_load %n : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    return %y : tensor<32x32xf32, #b>
  }

  // CHECK-LABEL: func.func @war
  // CHECK: tilegpu.local_load
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_store
  // CHECK-NOT: tilegpu.barrier
  // CHECK: return
  func.func @war(%x: tensor<32x32xf32, #b>) -> tensor<32x32xf32, #b> attributes {tilegpu.shared = 8192 : i32} {
    %m = tilegpu.local_alloc {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %n = tilegpu.local_alloc {tilegpu.shared_offset = 2048 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    tilegpu.local_store %x, %n : tensor<32x32xf32, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    return %y : tensor<32x32xf32, #b>
  }

  // CHECK-LABEL: func.func @one_barrier_for_two
  // CHECK: tilegpu.local_alloc
  // CHECK-NEXT: tilegpu.local_alloc
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NOT: tilegpu.barrier
  // CHECK: return
  func.func @one_barrier_for_two(%x: tensor<32x32xf32, #b>) -> tensor<32x32xf32, #b> attributes {tilegpu.shared = 8192 : i32} {
    %m = tilegpu.local_alloc %x : tensor<32x32xf32, #b> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %n = tilegpu.local_alloc %x : tensor<32x32xf32, #b> {tilegpu.shared_offset = 4096 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    %z = tilegpu.local_load %n : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    %s = arith.addf %y, %z : tensor<32x32xf32, #b>
    return %s : tensor<32x32xf32, #b>
  }

  // CHECK-LABEL: func.func @loop_carried
  // CHECK: scf.for
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_store
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NOT: tilegpu.barrier
  // CHECK: scf.yield
  // CHECK-NOT: tilegpu.barrier
  // CHECK: return
  func.func @loop_carried(%x: tensor<32x32xf32, #b>, %n: i32) -> tensor<32x32xf32, #b> attributes {tilegpu.shared = 4096 : i32} {
    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i32
    %m = tilegpu.local_alloc {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (tensor<32x32xf32, #b>) : i32 {
      tilegpu.local_store %acc, %m : tensor<32x32xf32, #b> -> !tilegpu.memdesc<32x32xf32, #s>
      %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
      scf.yield %y : tensor<32x32xf32, #b>
    }
    return %r : tensor<32x32xf32, #b>
  }

  // CHECK-LABEL: func.func @if_join
  // CHECK: scf.if
  // CHECK-NOT: tilegpu.barrier
  // CHECK: tilegpu.local_store
  // CHECK-NOT: tilegpu.barrier
  // CHECK: }
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NOT: tilegpu.barrier
  // CHECK: return
  func.func @if_join(%x: tensor<32x32xf32, #b>, %cond: i1) -> tensor<32x32xf32, #b> attributes {tilegpu.shared = 4096 : i32} {
    %m = tilegpu.local_alloc {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    scf.if %cond {
      tilegpu.local_store %x, %m : tensor<32x32xf32, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    }
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    return %y : tensor<32x32xf32, #b>
  }

  // A write before the if, then each branch orders it with its own read behind a barrier: the
  // state after the if holds reads only, so the read after it needs nothing.
  // CHECK-LABEL: func.func @if_both_clean
  // CHECK: tilegpu.local_alloc
  // CHECK: scf.if
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK: } else {
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK: }
  // CHECK-NOT: tilegpu.barrier
  // CHECK: return
  func.func @if_both_clean(%x: tensor<32x32xf32, #b>, %cond: i1) -> tensor<32x32xf32, #b> attributes {tilegpu.shared = 4096 : i32} {
    %m = tilegpu.local_alloc %x : tensor<32x32xf32, #b> {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %r = scf.if %cond -> (tensor<32x32xf32, #b>) {
      %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
      scf.yield %y : tensor<32x32xf32, #b>
    } else {
      %z = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
      scf.yield %z : tensor<32x32xf32, #b>
    }
    %w = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    %s = arith.addf %r, %w : tensor<32x32xf32, #b>
    return %s : tensor<32x32xf32, #b>
  }

  // The conversion writes its scratch [0, 4096) (a write after the local_load's read of the
  // same bytes: barrier), and orders its own write before its own read; what it leaves behind
  // is a read, so the local_load after it needs no barrier.
  // CHECK-LABEL: func.func @scratch
  // CHECK: tilegpu.local_load
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.convert_layout
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NOT: tilegpu.barrier
  // CHECK: return
  func.func @scratch(%x: tensor<32x32xf32, #b>) -> tensor<32x32xf32, #c> attributes {tilegpu.shared = 4096 : i32} {
    %m = tilegpu.local_alloc {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<32x32xf32, #s>
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    %z = tilegpu.convert_layout %y {tilegpu.shared_offset = 0 : i32} : tensor<32x32xf32, #b> -> tensor<32x32xf32, #c>
    %w = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #c>
    %s = arith.addf %z, %w : tensor<32x32xf32, #c>
    return %s : tensor<32x32xf32, #c>
  }

  // A ring of 2 slots: read slot 0, copy into slot 1 (whole ring as far as the analysis knows).
  // CHECK-LABEL: func.func @async
  // CHECK: tilegpu.async_copy_global_to_local
  // CHECK-NEXT: tilegpu.async_commit_group
  // CHECK-NEXT: tilegpu.async_wait {num = 0 : i32}
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.local_load
  // CHECK-NEXT: tilegpu.async_copy_global_to_local {{.*}} {ordered_by_loop_barrier}
  // CHECK-NEXT: tilegpu.async_commit_group
  // CHECK-NEXT: tilegpu.barrier
  // CHECK-NEXT: tilegpu.async_copy_global_to_local
  // CHECK-NOT: ordered_by_loop_barrier
  // CHECK-NOT: tilegpu.barrier
  // CHECK: return
  func.func @async(%p: tensor<32x32x!tile.ptr<f32>, #b>, %i: i32, %j: i32) -> tensor<32x32xf32, #b> attributes {tilegpu.shared = 8192 : i32} {
    %ring = tilegpu.local_alloc {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<2x32x32xf32, #ring>
    %s0 = tilegpu.memdesc_subview %ring[%i] : !tilegpu.memdesc<2x32x32xf32, #ring> -> !tilegpu.memdesc<32x32xf32, #s>
    %s1 = tilegpu.memdesc_subview %ring[%j] : !tilegpu.memdesc<2x32x32xf32, #ring> -> !tilegpu.memdesc<32x32xf32, #s>
    tilegpu.async_copy_global_to_local %p, %s0 : tensor<32x32x!tile.ptr<f32>, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    tilegpu.async_commit_group
    tilegpu.async_wait {num = 0 : i32}
    %y = tilegpu.local_load %s0 : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    tilegpu.async_copy_global_to_local %p, %s1 {ordered_by_loop_barrier} : tensor<32x32x!tile.ptr<f32>, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    tilegpu.async_commit_group
    tilegpu.async_copy_global_to_local %p, %s1 : tensor<32x32x!tile.ptr<f32>, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    return %y : tensor<32x32xf32, #b>
  }
}

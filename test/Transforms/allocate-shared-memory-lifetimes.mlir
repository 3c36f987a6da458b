// RUN: lacc-opt %s --tilegpu-allocate-shared-memory | FileCheck %s
//
// tilegpu-allocate-shared-memory (analysis/Allocation.cpp): buffers whose lifetimes do not
// overlap share bytes; a use anywhere inside a loop keeps a buffer live for the whole loop; a
// ring of slots is one buffer, live as long as any slot is used. Largest first, each at the
// lowest 16-byte aligned offset clear of every buffer live at the same time. (The conversions
// #b <-> #c go through shared memory: 32x32 f32 = 4096 bytes of scratch each.)
//   @disjoint_lifetimes  two buffers, the first dead before the second is written: both at 0;
//   @overlapping         both live at once: 0 and 4096, 8192 bytes in all;
//   @loop_keeps_live     a buffer read inside a loop overlaps the loop's scratch, but not the
//                        scratch of a conversion after the loop, which reuses its bytes;
//   @ring                a 3-slot ring (12288 bytes) read through subviews in the loop, and the
//                        loop's conversion scratch after it; the same conversion after the loop
//                        reuses offset 0.

#b = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [1, 32], warpsPerCTA = [4, 1], order = [1, 0]}>
#c = #tilegpu.blocked<{sizePerThread = [1, 1], threadsPerWarp = [32, 1], warpsPerCTA = [1, 4], order = [0, 1]}>
#s = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [1, 0]}>
#ring = #tilegpu.shared<{vec = 1, perPhase = 1, maxPhase = 1, order = [2, 1, 0]}>

// The module's size is the largest kernel's.
// CHECK: module attributes {tilegpu.num_warps = 4 : i32, tilegpu.shared = 16384 : i32}
module attributes {tilegpu.num_warps = 4 : i32} {
  // CHECK-LABEL: func.func @disjoint_lifetimes
  // CHECK-SAME: tilegpu.shared = 4096 : i32
  // CHECK: tilegpu.local_alloc {{.*}}tilegpu.shared_offset = 0 : i32
  // CHECK: tilegpu.local_alloc {{.*}}tilegpu.shared_offset = 0 : i32
  func.func @disjoint_lifetimes(%x: tensor<32x32xf32, #b>) -> tensor<32x32xf32, #b> {
    %m = tilegpu.local_alloc %x : tensor<32x32xf32, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    %n = tilegpu.local_alloc %y : tensor<32x32xf32, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    %z = tilegpu.local_load %n : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    return %z : tensor<32x32xf32, #b>
  }

  // CHECK-LABEL: func.func @overlapping
  // CHECK-SAME: tilegpu.shared = 8192 : i32
  // CHECK: tilegpu.local_alloc {{.*}}tilegpu.shared_offset = 0 : i32
  // CHECK: tilegpu.local_alloc {{.*}}tilegpu.shared_offset = 4096 : i32
  func.func @overlapping(%x: tensor<32x32xf32, #b>) -> tensor<32x32xf32, #b> {
    %m = tilegpu.local_alloc %x : tensor<32x32xf32, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    %n = tilegpu.local_alloc %x : tensor<32x32xf32, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    %z = tilegpu.local_load %n : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #b>
    %s = arith.addf %y, %z : tensor<32x32xf32, #b>
    return %s : tensor<32x32xf32, #b>
  }

  // The local_load is the loop's first op and the conversion its second: in program order the
  // buffer's last use comes before the scratch, yet the next iteration reads the buffer again.
  // CHECK-LABEL: func.func @loop_keeps_live
  // CHECK-SAME: tilegpu.shared = 8192 : i32
  // CHECK: tilegpu.local_alloc {{.*}}tilegpu.shared_offset = 0 : i32
  // CHECK: scf.for
  // CHECK: tilegpu.convert_layout {{.*}}tilegpu.shared_offset = 4096 : i32
  // CHECK: scf.yield
  // CHECK: tilegpu.convert_layout {{.*}}tilegpu.shared_offset = 0 : i32
  func.func @loop_keeps_live(%x: tensor<32x32xf32, #b>, %n: i32) -> tensor<32x32xf32, #c> {
    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i32
    %m = tilegpu.local_alloc %x : tensor<32x32xf32, #b> -> !tilegpu.memdesc<32x32xf32, #s>
    %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (tensor<32x32xf32, #b>) : i32 {
      %y = tilegpu.local_load %m : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #c>
      %a = tilegpu.convert_layout %acc : tensor<32x32xf32, #b> -> tensor<32x32xf32, #c>
      %s = arith.addf %a, %y : tensor<32x32xf32, #c>
      %t = tilegpu.convert_layout %s : tensor<32x32xf32, #c> -> tensor<32x32xf32, #b>
      scf.yield %t : tensor<32x32xf32, #b>
    }
    %out = tilegpu.convert_layout %r : tensor<32x32xf32, #b> -> tensor<32x32xf32, #c>
    return %out : tensor<32x32xf32, #c>
  }

  // CHECK-LABEL: func.func @ring
  // CHECK-SAME: tilegpu.shared = 16384 : i32
  // CHECK: tilegpu.local_alloc {tilegpu.shared_offset = 0 : i32} -> !tilegpu.memdesc<3x32x32xf32
  // CHECK: scf.for
  // CHECK: tilegpu.convert_layout {{.*}}tilegpu.shared_offset = 12288 : i32
  // CHECK: scf.yield
  // CHECK: tilegpu.convert_layout {{.*}}tilegpu.shared_offset = 0 : i32
  func.func @ring(%x: tensor<32x32xf32, #b>, %n: i32) -> tensor<32x32xf32, #c> {
    %c0 = arith.constant 0 : i32
    %c1 = arith.constant 1 : i32
    %ring = tilegpu.local_alloc -> !tilegpu.memdesc<3x32x32xf32, #ring>
    %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> (tensor<32x32xf32, #b>) : i32 {
      %slot = tilegpu.memdesc_subview %ring[%i] : !tilegpu.memdesc<3x32x32xf32, #ring> -> !tilegpu.memdesc<32x32xf32, #s>
      %a = tilegpu.convert_layout %acc : tensor<32x32xf32, #b> -> tensor<32x32xf32, #c>
      %y = tilegpu.local_load %slot : !tilegpu.memdesc<32x32xf32, #s> -> tensor<32x32xf32, #c>
      %s = arith.addf %a, %y : tensor<32x32xf32, #c>
      %t = tilegpu.convert_layout %s : tensor<32x32xf32, #c> -> tensor<32x32xf32, #b>
      scf.yield %t : tensor<32x32xf32, #b>
    }
    %out = tilegpu.convert_layout %r : tensor<32x32xf32, #b> -> tensor<32x32xf32, #c>
    return %out : tensor<32x32xf32, #c>
  }
}

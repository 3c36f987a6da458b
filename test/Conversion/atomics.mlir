// Atomics: every ordering and scope as PTX qualifiers, compare-and-swap, the CAS loops of float
// max/min and of bf16 add before sm_90, and program-wide (scalar) atomics: one update by thread
// 0, after a barrier when it releases, its result handed to every thread through shared memory.
// RUN: lacc %s --emit=ptx --arch=sm_90a | FileCheck %s --check-prefixes=CHECK,SM90
// RUN: lacc %s --emit=ptx --arch=sm_80 | FileCheck %s --check-prefixes=CHECK,SM80
// RUN: lacc %s --emit=llvm-dialect | FileCheck %s --check-prefix=LLVM
// RUN: lacc %s --emit=ptx --arch=sm_90a -o %t.ptx && %ptxas -arch=sm_90a %t.ptx -o %t.cubin
// RUN: lacc %s --emit=ptx --arch=sm_80 -o %t80.ptx && %ptxas -arch=sm_80 %t80.ptx -o %t80.cubin
// REQUIRES: ptxas

// CHECK-LABEL: .entry orderings(
// CHECK: atom.acquire.gpu.global.add.u32
// CHECK: atom.release.sys.global.exch.b32
// CHECK: atom.relaxed.cta.global.max.s32
// CHECK: atom.acq_rel.gpu.global.min.s32
// CHECK: atom.acq_rel.gpu.global.add.u64
// CHECK: atom.acquire.cta.global.add.f32
// CHECK: atom.relaxed.gpu.global.add.f64
// CHECK: atom.release.gpu.global.exch.b32
func.func @orderings(%p: !tile.ptr<i32>, %l: !tile.ptr<i64>, %f: !tile.ptr<f32>,
                     %d: !tile.ptr<f64>) attributes {tile.kernel} {
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %ps = tile.splat %p : tensor<128x!tile.ptr<i32>>
  %pp = tile.addptr %ps, %r : tensor<128x!tile.ptr<i32>>, tensor<128xi32>
  %0 = tile.atomic_rmw add %pp, %r sem = acquire scope = gpu : tensor<128x!tile.ptr<i32>>
  %1 = tile.atomic_rmw xchg %pp, %r sem = release scope = sys : tensor<128x!tile.ptr<i32>>
  %2 = tile.atomic_rmw max %pp, %r sem = relaxed scope = cta : tensor<128x!tile.ptr<i32>>
  %3 = tile.atomic_rmw min %pp, %r : tensor<128x!tile.ptr<i32>>
  %ls = tile.splat %l : tensor<128x!tile.ptr<i64>>
  %lp = tile.addptr %ls, %r : tensor<128x!tile.ptr<i64>>, tensor<128xi32>
  %r64 = arith.extsi %r : tensor<128xi32> to tensor<128xi64>
  %4 = tile.atomic_rmw add %lp, %r64 : tensor<128x!tile.ptr<i64>>
  %fs = tile.splat %f : tensor<128x!tile.ptr<f32>>
  %fp = tile.addptr %fs, %r : tensor<128x!tile.ptr<f32>>, tensor<128xi32>
  %rf = arith.sitofp %r : tensor<128xi32> to tensor<128xf32>
  %5 = tile.atomic_rmw add %fp, %rf sem = acquire scope = cta : tensor<128x!tile.ptr<f32>>
  %ds = tile.splat %d : tensor<128x!tile.ptr<f64>>
  %dp = tile.addptr %ds, %r : tensor<128x!tile.ptr<f64>>, tensor<128xi32>
  %rd = arith.sitofp %r : tensor<128xi32> to tensor<128xf64>
  %6 = tile.atomic_rmw add %dp, %rd sem = relaxed : tensor<128x!tile.ptr<f64>>
  // A float exchange swaps the bits.
  %7 = tile.atomic_rmw xchg %fp, %rf sem = release : tensor<128x!tile.ptr<f32>>
  return
}

// Compare-and-swap is LLVM's cmpxchg (success ordering, acquire or relaxed on failure);
// floats compare their bits.
// LLVM-LABEL: llvm.func @compare_and_swap
// LLVM: llvm.cmpxchg {{.*}} syncscope("block") acquire acquire
// LLVM: llvm.cmpxchg {{.*}} release monotonic
// CHECK-LABEL: .entry compare_and_swap(
// CHECK: atom.acquire.cta.global.cas.b32
// CHECK: atom.release.sys.global.cas.b32
func.func @compare_and_swap(%p: !tile.ptr<i32>, %f: !tile.ptr<f32>) attributes {tile.kernel} {
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %ps = tile.splat %p : tensor<128x!tile.ptr<i32>>
  %pp = tile.addptr %ps, %r : tensor<128x!tile.ptr<i32>>, tensor<128xi32>
  %one = arith.constant dense<1> : tensor<128xi32>
  %0 = tile.atomic_cas %pp, %r, %one sem = acquire scope = cta : tensor<128x!tile.ptr<i32>>
  %fs = tile.splat %f : tensor<128x!tile.ptr<f32>>
  %fp = tile.addptr %fs, %r : tensor<128x!tile.ptr<f32>>, tensor<128xi32>
  %rf = arith.sitofp %r : tensor<128xi32> to tensor<128xf32>
  %1 = tile.atomic_cas %fp, %rf, %rf sem = release scope = sys : tensor<128x!tile.ptr<f32>>
  return
}

// Float max/min have no PTX atom: a CAS loop around llvm.maximum/minimum (NaN propagates,
// -0 < +0), with the atomic's ordering and scope.
// LLVM-LABEL: llvm.func @float_max_min
// LLVM: llvm.atomicrmw fmaximum {{.*}} syncscope("device") acq_rel
// LLVM: llvm.atomicrmw fminimum {{.*}} syncscope("block") monotonic
// CHECK-LABEL: .entry float_max_min(
// CHECK: max.NaN.f32
// CHECK: atom.acq_rel.gpu.global.cas.b32
// CHECK: atom.relaxed.cta.global.cas.b64
func.func @float_max_min(%f: !tile.ptr<f32>, %d: !tile.ptr<f64>) attributes {tile.kernel} {
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %fs = tile.splat %f : tensor<128x!tile.ptr<f32>>
  %fp = tile.addptr %fs, %r : tensor<128x!tile.ptr<f32>>, tensor<128xi32>
  %rf = arith.sitofp %r : tensor<128xi32> to tensor<128xf32>
  %0 = tile.atomic_rmw max %fp, %rf : tensor<128x!tile.ptr<f32>>
  %ds = tile.splat %d : tensor<128x!tile.ptr<f64>>
  %dp = tile.addptr %ds, %r : tensor<128x!tile.ptr<f64>>, tensor<128xi32>
  %rd = arith.sitofp %r : tensor<128xi32> to tensor<128xf64>
  %1 = tile.atomic_rmw min %dp, %rd sem = relaxed scope = cta : tensor<128x!tile.ptr<f64>>
  return
}

// f16 add is an instruction from sm_70, bf16 add from sm_90; before, a CAS loop on the
// 32-bit word holding the bf16.
// CHECK-LABEL: .entry sixteen_bit_add(
// CHECK: atom.acq_rel.gpu.global.add.noftz.f16
// SM90: atom.release.sys.global.add.noftz.bf16
// SM80-NOT: add.noftz.bf16
// SM80: atom.release.sys.global.cas.b32
func.func @sixteen_bit_add(%h: !tile.ptr<f16>, %b: !tile.ptr<bf16>) attributes {tile.kernel} {
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %hs = tile.splat %h : tensor<128x!tile.ptr<f16>>
  %hp = tile.addptr %hs, %r : tensor<128x!tile.ptr<f16>>, tensor<128xi32>
  %one = arith.constant dense<1.0> : tensor<128xf16>
  %0 = tile.atomic_rmw add %hp, %one : tensor<128x!tile.ptr<f16>>
  %bs = tile.splat %b : tensor<128x!tile.ptr<bf16>>
  %bp = tile.addptr %bs, %r : tensor<128x!tile.ptr<bf16>>, tensor<128xi32>
  %half = arith.constant dense<0.5> : tensor<128xbf16>
  %1 = tile.atomic_rmw add %bp, %half sem = release scope = sys : tensor<128x!tile.ptr<bf16>>
  return
}

// A program-wide atomic whose result is used: the release half waits for every thread
// (bar.sync), thread 0 updates and writes the old value to shared memory, and after a second
// barrier every thread reads it (issue 7, F2).
// LLVM-LABEL: llvm.func @counter
// LLVM: nvvm.barrier0
// LLVM: llvm.cond_br
// LLVM: llvm.inline_asm has_side_effects {{.*}}"atom.acq_rel.gpu.global.add.u32 $0, [$1], $2;"
// LLVM: llvm.store {{.*}} : i32, !llvm.ptr<3>
// LLVM: nvvm.barrier0
// LLVM: llvm.load {{.*}} : !llvm.ptr<3> -> i32
// CHECK-LABEL: .entry counter(
// CHECK: bar.sync 0
// CHECK: atom.acq_rel.gpu.global.add.u32
// CHECK: st.shared.b32
// CHECK: bar.sync 0
// CHECK: ld.shared.b32
// CHECK: st.global
func.func @counter(%c: !tile.ptr<i32>, %out: !tile.ptr<i32>) attributes {tile.kernel} {
  %one = arith.constant 1 : i32
  %old = tile.atomic_rmw add %c, %one : !tile.ptr<i32>
  %r = tile.make_range 0, 128 : tensor<128xi32>
  %os = tile.splat %out : tensor<128x!tile.ptr<i32>>
  %op = tile.addptr %os, %r : tensor<128x!tile.ptr<i32>>, tensor<128xi32>
  %v = tile.splat %old : tensor<128xi32>
  tile.store %op, %v : tensor<128x!tile.ptr<i32>>
  return
}

// Acquire only, result unused: no barrier at all; a masked-off scalar compare-and-swap.
// CHECK-LABEL: .entry unused_acquire(
// CHECK-NOT: bar.sync
// CHECK: atom.acquire.gpu.global.add.u32
// CHECK-NOT: bar.sync
// CHECK: atom.relaxed.gpu.global.cas.b32
// CHECK-NOT: bar.sync
// CHECK: ret;
func.func @unused_acquire(%c: !tile.ptr<i32>, %go: i1) attributes {tile.kernel} {
  %one = arith.constant 1 : i32
  %zero = arith.constant 0 : i32
  %0 = tile.atomic_rmw add %c, %one, %go sem = acquire : !tile.ptr<i32>
  %1 = tile.atomic_cas %c, %zero, %one sem = relaxed : !tile.ptr<i32>
  return
}

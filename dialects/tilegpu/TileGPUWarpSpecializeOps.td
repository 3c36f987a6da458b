//===- TileGPUWarpSpecializeOps.td - producer and consumer warps -*- tablegen -*-===//
//
// A warp-specialized kernel runs num_warps consumer warps (every laid-out
// tile is theirs) and one more warpgroup, the producer, which only issues
// TMA copies into the rings the consumers read, with mbarriers between them
// (compiler/transforms/WarpSpecialize.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LACC_TILEGPU_WARP_SPECIALIZE_OPS
#define LACC_TILEGPU_WARP_SPECIALIZE_OPS

def TileGPU_WarpSpecializeOp : TileGPU_Op<"warp_specialize", [
    SingleBlock, NoTerminator]> {
  let summary = "the producer warpgroup runs the region and exits; the consumers go on";
  let description = [{
    Placed at the top of a kernel: every thread first meets at a CTA-wide
    barrier (the mbarriers initialized before it are then visible to all);
    the warpgroup after the module's num_warps warps then lowers its register
    budget to `producerRegisters` (setmaxnreg.dec), runs the region and
    exits, while the others raise theirs to `consumerRegisters`
    (setmaxnreg.inc; 0 for either: no setmaxnreg) and run the rest of the
    kernel. The region holds no laid-out tiles (its warps have no place in
    any layout); the kernel carries `tilegpu.warp_specialized` and launches
    num_warps + 4 warps, and its barriers after this op are named barriers of
    the consumer warps only.
  }];
  let arguments = (ins I32Attr:$producerRegisters, I32Attr:$consumerRegisters);
  let regions = (region SizedRegion<1>:$producer);
  let assemblyFormat = "attr-dict-with-keyword $producer";
  let hasVerifier = 1;
}

#endif // LACC_TILEGPU_WARP_SPECIALIZE_OPS

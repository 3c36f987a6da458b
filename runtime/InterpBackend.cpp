//===- InterpBackend.cpp - front end + CPU interpreter for the runtime ----===//
//
// Built without exceptions, like MLIR and Compiler.cpp. The front end's steps
// mirror Compiler.cpp's, so that a kernel that does not compile fails with the
// same diagnostics on either executor.
//
//===----------------------------------------------------------------------===//

#include "runtime/InterpBackend.h"
#include "runtime/CompilerImpl.h"

#include "compiler/Compile.h"
#include "compiler/Pipeline.h"
#include "compiler/frontend/Frontend.h"
#include "dialects/tile/TileDialect.h"
#include "runtime/interp/Interpreter.h"
#include "runtime/interp/Numerics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace lacc::detail {

struct InterpretedKernel {
  interp::CompiledKernel program;
  std::vector<Param> params;
};

namespace {

mlir::Type scalarType(mlir::Builder &b, ScalarType t) {
  switch (t) {
  case ScalarType::I1: return b.getI1Type();
  case ScalarType::I8: return b.getI8Type();
  case ScalarType::I16: return b.getI16Type();
  case ScalarType::I32: return b.getI32Type();
  case ScalarType::I64: return b.getI64Type();
  case ScalarType::F16: return b.getF16Type();
  case ScalarType::BF16: return b.getBF16Type();
  case ScalarType::F32: return b.getF32Type();
  case ScalarType::F64: return b.getF64Type();
  case ScalarType::F8E4M3: return b.getType<mlir::Float8E4M3FNType>();
  case ScalarType::F8E5M2: return b.getType<mlir::Float8E5M2Type>();
  }
  return {};
}

/// The type a parameter has in the tile IR.
mlir::Type irType(mlir::Builder &b, const Param &p) {
  mlir::Type t = scalarType(b, p.type);
  return p.kind == Param::Kind::Pointer ? tile::PointerType::get(t) : t;
}

std::string typeText(mlir::Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return os.str();
}

/// Parameter i's value from its encoded bits.
interp::KernelArg argument(const Param &p, uint64_t bits) {
  using interp::KernelArg;
  if (p.kind == Param::Kind::Pointer)
    return KernelArg::pointer(reinterpret_cast<const void *>(static_cast<uintptr_t>(bits)));
  switch (p.type) {
  case ScalarType::I1: return KernelArg::i1(bits & 1);
  case ScalarType::I8: return KernelArg::i8(static_cast<int8_t>(bits));
  case ScalarType::I16: return KernelArg::i16(static_cast<int16_t>(bits));
  case ScalarType::I32: return KernelArg::i32(static_cast<int32_t>(bits));
  case ScalarType::I64: return KernelArg::i64(static_cast<int64_t>(bits));
  case ScalarType::F16: return KernelArg::f16(interp::num::halfBitsToFloat(uint16_t(bits)));
  case ScalarType::BF16: return KernelArg::bf16(interp::num::bf16BitsToFloat(uint16_t(bits)));
  case ScalarType::F32: return KernelArg::f32(interp::num::floatOf(uint32_t(bits)));
  case ScalarType::F64: {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return KernelArg::f64(d);
  }
  case ScalarType::F8E4M3:
  case ScalarType::F8E5M2: break; // only behind pointers (the signature refuses scalars)
  }
  return KernelArg::i64(0); // unreachable: every ScalarType is handled
}

} // namespace

bool compileForInterpreter(const CompileRequest &request, const std::vector<Param> &params,
                           std::shared_ptr<const InterpretedKernel> &out,
                           std::vector<TensorDescriptor> &descriptors, std::string &error) {
  mlir::MLIRContext context;
  context.disableMultithreading(); // one small module: a thread pool costs more than it saves
  FrontendOptions options;
  options.kernel = request.kernelName;
  for (const auto &[name, value] : request.constants)
    options.defines.emplace_back(name, value.toString());
  SourceFile file(request.fileName, request.source);
  std::string diagText;
  llvm::raw_string_ostream os(diagText);
  mlir::OwningOpRef<mlir::ModuleOp> module;
  {
    // The engine may hold diagnostics back until it is destroyed (to sort them).
    DiagnosticEngine diag(file, os);
    module = buildTileModule(context, file, options, diag);
  }
  os.flush();
  if (!module) {
    error = diagText.empty() ? "the front end failed on kernel '" + request.kernelName + "'"
                             : diagText;
    return false;
  }
  auto func = module->lookupSymbol<mlir::func::FuncOp>(request.kernelName);
  if (!func) {
    error = "internal error: the tile IR has no func.func @" + request.kernelName;
    return false;
  }

  // The launch encodes arguments by `params`; the IR must take exactly those.
  mlir::Builder b(&context);
  auto types = func.getArgumentTypes();
  bool agree = types.size() == params.size();
  for (size_t i = 0; agree && i < types.size(); ++i)
    agree = types[i] == irType(b, params[i]);
  if (!agree) {
    std::string ir, sig;
    for (mlir::Type t : types)
      ir += (ir.empty() ? "" : ", ") + typeText(t);
    for (const Param &p : params)
      sig += (sig.empty() ? "" : ", ") + p.name + ": " + p.typeString();
    error = "kernel '" + request.kernelName + "': internal error: its tile IR takes (" + ir +
            ") but its signature is (" + sig + ")";
    return false;
  }

  llvm::Expected<interp::CompiledKernel> program = interp::CompiledKernel::compile(func);
  if (!program) {
    error = llvm::toString(program.takeError());
    return false;
  }
  descriptors = toRuntime(getTensorDescriptors(func));
  out = std::make_shared<InterpretedKernel>(InterpretedKernel{std::move(*program), params});
  return true;
}

bool runOnInterpreter(const InterpretedKernel &kernel, std::array<uint32_t, 3> grid,
                      const uint64_t *bits, const std::vector<HostBuffer> &buffers,
                      std::string &error) {
  std::vector<interp::KernelArg> args;
  args.reserve(kernel.params.size());
  for (size_t i = 0; i < kernel.params.size(); ++i)
    args.push_back(argument(kernel.params[i], bits[i]));
  std::vector<interp::Buffer> memory;
  memory.reserve(buffers.size());
  for (const HostBuffer &h : buffers)
    memory.push_back({h.data, h.bytes});
  if (llvm::Error e = kernel.program.run(grid, args, memory)) {
    error = llvm::toString(std::move(e));
    return false;
  }
  return true;
}

} // namespace lacc::detail

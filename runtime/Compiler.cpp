//===- Compiler.cpp - the runtime's one door into the MLIR compiler --------===//
//
// Built without exceptions, like MLIR: failures come back as (false, error)
// and Runtime.cpp turns them into lacc::Error. Nothing else in the runtime
// includes an MLIR header, so only this file pays their compile time.
//
// It runs the front end (source -> tile IR, specialized on the const values),
// reads the parameter list off the kernel's func.func, marks the arguments
// known divisible by 16 (tile.divisibility, read by AxisInfo), and hands the
// module to compiler/Pipeline.h for PTX.
//
//===----------------------------------------------------------------------===//

#include "runtime/CompilerImpl.h"
#include "runtime/Signature.h"

#include "compiler/frontend/Frontend.h"
#include "dialects/tile/TileDialect.h"
#include "compiler/Pipeline.h"
#include "compiler/analysis/AxisInfo.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/raw_ostream.h"

namespace lacc::detail {

namespace {

bool scalarOf(mlir::Type t, ScalarType &out) {
  if (t.isInteger(1)) out = ScalarType::I1;
  else if (t.isInteger(8)) out = ScalarType::I8;
  else if (t.isInteger(16)) out = ScalarType::I16;
  else if (t.isInteger(32)) out = ScalarType::I32;
  else if (t.isInteger(64)) out = ScalarType::I64;
  else if (t.isF16()) out = ScalarType::F16;
  else if (t.isBF16()) out = ScalarType::BF16;
  else if (t.isF32()) out = ScalarType::F32;
  else if (t.isF64()) out = ScalarType::F64;
  else return false;
  return true;
}

/// Runs the front end on the request and reads the kernel's parameters from
/// its func.func; the names come from the syntax tree, since the IR keeps
/// only types (and const parameters are gone from it).
bool frontEnd(const CompileRequest &request, mlir::MLIRContext &context,
              mlir::OwningOpRef<mlir::ModuleOp> &module, std::vector<Param> &params,
              std::string &error) {
  std::vector<KernelSignature> sigs;
  if (!parseSignatures(request.fileName, request.source, sigs, error))
    return false;
  const KernelSignature *sig = nullptr;
  for (const KernelSignature &s : sigs)
    if (s.name == request.kernelName)
      sig = &s;
  if (!sig) {
    error = "no @kernel named '" + request.kernelName + "' in " + request.fileName;
    return false;
  }

  FrontendOptions options;
  options.kernel = request.kernelName;
  for (const auto &[name, value] : request.constants)
    options.defines.emplace_back(name, value.toString());
  SourceFile file(request.fileName, request.source);
  std::string diagText;
  llvm::raw_string_ostream os(diagText);
  context.disableMultithreading(); // one small module: a thread pool costs more than it saves
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
  auto types = func.getFunctionType().getInputs();
  if (types.size() != sig->params.size()) {
    error = "internal error: kernel '" + request.kernelName + "' has " +
            std::to_string(sig->params.size()) + " runtime parameters in the source but " +
            std::to_string(types.size()) + " in the tile IR";
    return false;
  }
  params.clear();
  for (size_t i = 0; i < types.size(); ++i) {
    Param p;
    p.name = sig->params[i].name;
    mlir::Type t = types[i];
    if (auto ptr = mlir::dyn_cast<tile::PointerType>(t)) {
      p.kind = Param::Kind::Pointer;
      t = ptr.getPointeeType();
    }
    if (!scalarOf(t, p.type)) {
      std::string text;
      llvm::raw_string_ostream ts(text);
      types[i].print(ts);
      error = "kernel '" + request.kernelName + "': parameter '" + p.name +
              "' has a type the runtime cannot pass: " + ts.str();
      return false;
    }
    if (p.kind != Param::Kind::Pointer)
      p.kind = isFloat(p.type) ? Param::Kind::Float : Param::Kind::Int;
    p.bytes = p.kind == Param::Kind::Pointer ? 8 : byteSize(p.type);
    params.push_back(std::move(p));
  }
  return true;
}

} // namespace

bool kernelParametersNoThrow(const CompileRequest &request, std::vector<Param> &out,
                             std::string &error) {
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  return frontEnd(request, context, module, out, error);
}

bool compileKernelNoThrow(const CompileRequest &request, CompiledKernel &out, std::string &error) {
  mlir::MLIRContext context;
  {
    mlir::DialectRegistry registry;
    registerCodegenDialects(registry);
    context.appendDialectRegistry(registry);
  }
  mlir::OwningOpRef<mlir::ModuleOp> module;
  CompiledKernel k;
  if (!frontEnd(request, context, module, k.params, error))
    return false;
  k.name = request.kernelName;
  k.arch = request.arch;
  k.numWarps = request.numWarps;
  // Pass diagnostics become the error text instead of going to stderr.
  std::string diagText;
  mlir::ScopedDiagnosticHandler handler(&context, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream os(diagText);
    os << d.getLocation() << ": " << d << "\n";
    return mlir::success();
  });
  auto func = module->lookupSymbol<mlir::func::FuncOp>(request.kernelName);
  mlir::Builder b(&context);
  for (unsigned i : request.divisibleBy16)
    func.setArgAttr(i, kDivisibilityAttrName, b.getI32IntegerAttr(16));
  CodegenOptions options;
  options.arch = request.arch;
  options.numWarps = static_cast<int>(request.numWarps);
  llvm::Expected<CompiledModule> compiled = compileToPTX(*module, options);
  if (!compiled) {
    error = "kernel '" + request.kernelName + "': code generation failed: " +
            llvm::toString(compiled.takeError()) + (diagText.empty() ? "" : "\n" + diagText);
    return false;
  }
  for (const KernelInfo &info : compiled->kernels)
    if (info.name == request.kernelName) {
      k.ptx = std::move(compiled->ptx);
      k.numWarps = static_cast<unsigned>(info.numWarps);
      k.sharedBytes = static_cast<unsigned>(info.sharedBytes);
      out = std::move(k);
      return true;
    }
  error = "kernel '" + request.kernelName + "': internal error: the PTX has no entry for it";
  return false;
}

} // namespace lacc::detail

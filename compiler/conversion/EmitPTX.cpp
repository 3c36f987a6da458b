//===- EmitPTX.cpp - LLVM dialect -> PTX in process -----------------------===//
//
// TOOLCHAIN.md's route B: translateModuleToLLVMIR, LLVM's -O pipeline tuned
// for the NVPTX TargetMachine, then the NVPTX back end's assembly printer.
// Nothing is shelled out and no libdevice is linked (the math lowering uses
// no __nv_* functions).
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/EmitPTX.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"

#include <mutex>

using namespace mlir;

extern "C" {
void LLVMInitializeNVPTXTargetInfo();
void LLVMInitializeNVPTXTarget();
void LLVMInitializeNVPTXTargetMC();
void LLVMInitializeNVPTXAsmPrinter();
}

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<lacc::TranslatedModule>
lacc::translateToPTX(ModuleOp module, llvm::StringRef arch, unsigned ptxVersion,
                     unsigned optLevel, bool keepLLVMIR, bool withPTX) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    LLVMInitializeNVPTXTargetInfo();
    LLVMInitializeNVPTXTarget();
    LLVMInitializeNVPTXTargetMC();
    LLVMInitializeNVPTXAsmPrinter();
  });

  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  module.getContext()->appendDialectRegistry(registry);

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmContext, "lacc");
  if (!llvmModule)
    return makeError("translation of the LLVM dialect to LLVM IR failed");

  llvm::Triple triple("nvptx64-nvidia-cuda");
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return makeError("NVPTX target unavailable: " + error);
  // Contracting a * b + c into one FMA is allowed (as Triton and nvcc do): without it the
  // NVPTX back end writes add.rn/mul.rn, which ptxas may not fuse.
  llvm::TargetOptions targetOptions;
  targetOptions.AllowFPOpFusion = llvm::FPOpFusion::Fast;
  std::string features = "+ptx" + std::to_string(ptxVersion);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, arch, features, targetOptions, std::nullopt, std::nullopt,
      optLevel >= 3 ? llvm::CodeGenOptLevel::Aggressive : llvm::CodeGenOptLevel::Default));
  if (!machine)
    return makeError("cannot create an NVPTX target machine for " + arch);
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());

  if (llvm::Error err = makeOptimizingTransformer(optLevel, /*sizeLevel=*/0,
                                                  machine.get())(llvmModule.get()))
    return std::move(err);
  TranslatedModule result;
  if (keepLLVMIR) {
    llvm::raw_string_ostream os(result.llvmIR);
    llvmModule->print(os, nullptr);
  }
  if (!withPTX)
    return result;

  llvm::SmallString<0> ptx;
  llvm::raw_svector_ostream os(ptx);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr, llvm::CodeGenFileType::AssemblyFile))
    return makeError("the NVPTX target cannot emit assembly");
  codegen.run(*llvmModule);
  result.ptx = std::string(ptx.str());
  return result;
}

//===- EmitPTX.cpp - LLVM dialect -> PTX in process -----------------------===//
//
// TOOLCHAIN.md's route B: translateModuleToLLVMIR, LLVM's -O pipeline tuned
// for the NVPTX TargetMachine, then the NVPTX back end's assembly printer.
// Nothing is shelled out. When the math lowering called libdevice functions
// (__nv_*), the toolkit's libdevice.10.bc is linked in first (only what is
// called), its functions made internal so that they inline and disappear,
// and the optimizer's NVVMReflect pass resolves its __nvvm_reflect queries
// (no flush-to-zero: nvvm-reflect-ftz = 0).
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
#include "llvm/IRReader/IRReader.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Triple.h"

#include <cstdlib>
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

std::string lacc::findLibdevice(std::string *searched) {
  std::vector<std::string> candidates;
  if (const char *file = std::getenv("LACC_LIBDEVICE"); file && *file) {
    candidates.push_back(file); // named explicitly: that file or none
  } else {
    for (const char *var : {"CUDA_HOME", "CUDA_PATH", "CUDA_ROOT"})
      if (const char *dir = std::getenv(var); dir && *dir)
        candidates.push_back(std::string(dir) + "/nvvm/libdevice/libdevice.10.bc");
    candidates.push_back("/usr/local/cuda/nvvm/libdevice/libdevice.10.bc");
  }
  std::string tried;
  for (const std::string &path : candidates) {
    if (llvm::sys::fs::exists(path))
      return path;
    tried += (tried.empty() ? "" : ", ") + path;
  }
  if (searched)
    *searched = tried;
  return "";
}

/// Links the libdevice functions `module` calls into it, made internal.
static llvm::Error linkLibdevice(llvm::Module &module) {
  bool calls = llvm::any_of(module.functions(), [](const llvm::Function &f) {
    return f.isDeclaration() && f.getName().starts_with(lacc::kLibdevicePrefix);
  });
  if (!calls)
    return llvm::Error::success();
  std::string searched;
  std::string path = lacc::findLibdevice(&searched);
  if (path.empty())
    return makeError("the kernel calls CUDA's libdevice, which was not found (looked for " +
                     searched + "); set LACC_LIBDEVICE to libdevice.10.bc or CUDA_HOME to the "
                     "CUDA toolkit");
  llvm::SMDiagnostic diagnostic;
  std::unique_ptr<llvm::Module> libdevice =
      llvm::parseIRFile(path, diagnostic, module.getContext());
  if (!libdevice)
    return makeError("cannot read libdevice " + path + ": " + diagnostic.getMessage());
  libdevice->setTargetTriple(module.getTargetTriple());
  libdevice->setDataLayout(module.getDataLayout());
  if (llvm::Linker::linkModules(module, std::move(libdevice), llvm::Linker::LinkOnlyNeeded))
    return makeError("linking libdevice " + path + " failed");
  for (llvm::Function &f : module.functions())
    if (!f.isDeclaration() && f.getName().starts_with(lacc::kLibdevicePrefix))
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  module.addModuleFlag(llvm::Module::Override, "nvvm-reflect-ftz", uint32_t(0));
  return llvm::Error::success();
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
  if (llvm::Error err = linkLibdevice(*llvmModule))
    return std::move(err);

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

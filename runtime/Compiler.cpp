//===- Compiler.cpp - the runtime's one door into the compiler -------------===//
//
// Turns a CompileRequest into a call of lacc::compile() (compiler/Compile.h):
// const values as the front end reads them, the arguments known divisible by
// 16 as the signature's specialization, the target and warps as the
// KernelConfig. Reads the kernel's parameter list off the result and names
// the parameters from the syntax tree (the IR keeps only their types).
// Failures come back as (false, error); Runtime.cpp turns them into
// lacc::Error.
//
//===----------------------------------------------------------------------===//

#include "runtime/CompilerImpl.h"
#include "runtime/Signature.h"

#include "compiler/Compile.h"

namespace lacc::detail {

namespace {

bool scalarOf(const std::string &name, ScalarType &out) {
  static const std::pair<const char *, ScalarType> types[] = {
      {"i1", ScalarType::I1},   {"i8", ScalarType::I8},   {"i16", ScalarType::I16},
      {"i32", ScalarType::I32}, {"i64", ScalarType::I64}, {"f16", ScalarType::F16},
      {"bf16", ScalarType::BF16}, {"f32", ScalarType::F32}, {"f64", ScalarType::F64},
      {"f8E4M3FN", ScalarType::F8E4M3}, {"f8E5M2", ScalarType::F8E5M2}};
  for (auto [spelling, type] : types)
    if (name == spelling) {
      out = type;
      return true;
    }
  return false;
}

CompileInput toInput(const CompileRequest &request) {
  CompileInput input;
  input.source = request.source;
  input.fileName = request.fileName;
  input.kernelName = request.kernelName;
  for (const auto &[name, value] : request.constants)
    input.constants.emplace_back(name, value.toString());
  input.config.arch = request.arch;
  input.config.numWarps = static_cast<int>(request.numWarps);
  input.config.numStages = static_cast<int>(request.numStages);
  input.config.warpSpecialize = request.warpSpecialize;
  input.config.maxRegisters = static_cast<int>(request.maxRegisters);
  return input;
}

/// The runtime parameters of the compiled kernel, named from the source's signature.
bool readParams(const CompileRequest &request, const KernelMetadata &kernel,
                std::vector<Param> &params, std::string &error) {
  std::vector<KernelSignature> sigs;
  if (!parseSignatures(request.fileName, request.source, sigs, error))
    return false;
  const KernelSignature *sig = nullptr;
  for (const KernelSignature &s : sigs)
    if (s.name == request.kernelName)
      sig = &s;
  if (!sig || sig->params.size() != kernel.params.size()) {
    error = "internal error: kernel '" + request.kernelName + "' has " +
            std::to_string(sig ? sig->params.size() : 0) +
            " runtime parameters in the source but " + std::to_string(kernel.params.size()) +
            " in the tile IR";
    return false;
  }
  params.clear();
  for (size_t i = 0; i < kernel.params.size(); ++i) {
    Param p;
    p.name = sig->params[i].name;
    if (!scalarOf(kernel.params[i].element, p.type)) {
      error = "kernel '" + request.kernelName + "': parameter '" + p.name +
              "' has a type the runtime cannot pass: " + kernel.params[i].element;
      return false;
    }
    p.kind = kernel.params[i].pointer ? Param::Kind::Pointer
             : isFloat(p.type)        ? Param::Kind::Float
                                      : Param::Kind::Int;
    p.bytes = p.kind == Param::Kind::Pointer ? 8 : byteSize(p.type);
    params.push_back(std::move(p));
  }
  return true;
}

const KernelMetadata *findKernel(const CompileResult &result, const std::string &name) {
  for (const KernelMetadata &k : result.kernels)
    if (k.name == name)
      return &k;
  return nullptr;
}

} // namespace

static TensorDescriptor toRuntime(const DescriptorMetadata &m) {
  TensorDescriptor d;
  d.base = m.base;
  for (auto [from, to] : {std::pair{&m.shape, &d.shape}, std::pair{&m.strides, &d.strides}})
    for (const DescriptorMetadata::Operand &o : *from)
      to->push_back({o.param, o.constant});
  d.block = m.block;
  d.elementBytes = m.elementBytes;
  return d;
}

std::vector<TensorDescriptor> toRuntime(const std::vector<DescriptorMetadata> &descriptors) {
  std::vector<TensorDescriptor> out;
  for (const DescriptorMetadata &m : descriptors)
    out.push_back(toRuntime(m));
  return out;
}

bool kernelParametersNoThrow(const CompileRequest &request, std::vector<Param> &out,
                             std::string &error) {
  CompileOptions options;
  options.stopAfter = Stage::Tile;
  CompileResult result = compile(toInput(request), options);
  if (!result.success) {
    error = result.diagnostics.empty()
                ? "the front end failed on kernel '" + request.kernelName + "'"
                : result.diagnostics;
    return false;
  }
  const KernelMetadata *kernel = findKernel(result, request.kernelName);
  if (!kernel) {
    error = "no @kernel named '" + request.kernelName + "' in " + request.fileName;
    return false;
  }
  return readParams(request, *kernel, out, error);
}

bool compileKernelNoThrow(const CompileRequest &request, CompiledKernel &out, std::string &error) {
  CompileInput input = toInput(request);
  // The arguments promised divisible by 16 (addresses in bytes, integers by value) or equal
  // to 1, one entry per runtime parameter.
  if (!request.divisibleBy16.empty() || !request.equalToOne.empty()) {
    std::vector<KernelSignature> sigs;
    if (!parseSignatures(request.fileName, request.source, sigs, error))
      return false;
    for (const KernelSignature &s : sigs)
      if (s.name == request.kernelName)
        input.args.resize(s.params.size());
    for (unsigned i : request.divisibleBy16)
      if (i < input.args.size())
        input.args[i].divisibility = 16;
    for (unsigned i : request.equalToOne)
      if (i < input.args.size())
        input.args[i].equalToOne = true;
  }
  CompileResult result = compile(input);
  if (!result.success) {
    // The diagnostics name the file, line and column (and, for internal errors, the kernel
    // and the pass); they read the same as the interpreter path's.
    error = result.diagnostics.empty()
                ? "kernel '" + request.kernelName + "': compilation failed"
                : result.diagnostics;
    return false;
  }
  const KernelMetadata *kernel = findKernel(result, request.kernelName);
  if (!kernel) {
    error = "kernel '" + request.kernelName + "': internal error: the PTX has no entry for it";
    return false;
  }
  CompiledKernel k;
  if (!readParams(request, *kernel, k.params, error))
    return false;
  k.name = request.kernelName;
  k.arch = request.arch;
  k.ptx = std::move(result.ptx);
  k.numWarps = static_cast<unsigned>(kernel->numWarps);
  k.sharedBytes = static_cast<unsigned>(kernel->sharedBytes);
  k.descriptors = toRuntime(kernel->descriptors);
  for (const TensorMapMetadata &m : kernel->tensorMaps)
    k.tensorMaps.push_back({toRuntime(m.tensor), m.swizzleBytes});
  out = std::move(k);
  return true;
}

} // namespace lacc::detail

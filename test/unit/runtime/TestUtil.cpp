#include "TestUtil.h"

#include "runtime/Signature.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace lacc::test {

TempDir::TempDir() {
  const char *tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/lacc-runtime-test-XXXXXX";
  if (!mkdtemp(&templ[0]))
    std::abort();
  path_ = templ;
}

TempDir::~TempDir() {
  std::string cmd = "rm -rf '" + path_ + "'";
  (void)std::system(cmd.c_str());
}

LogCapture::LogCapture() : shared_(std::make_shared<Shared>()) {
  auto shared = shared_;
  previous_ = setLogger([shared](LogLevel, const std::string &message) {
    std::lock_guard<std::mutex> lock(shared->mutex);
    shared->messages.push_back(message);
  });
}

LogCapture::~LogCapture() { setLogger(previous_); }

std::vector<std::string> LogCapture::messages() const {
  std::lock_guard<std::mutex> lock(shared_->mutex);
  return shared_->messages;
}

size_t LogCapture::count(const std::string &needle) const {
  size_t n = 0;
  for (const std::string &m : messages())
    n += m.find(needle) != std::string::npos;
  return n;
}

CompileFunction FakeCompiler::function() const {
  FakeCompiler self = *this;
  return [self](const CompileRequest &r) {
    ++*self.calls;
    {
      std::lock_guard<std::mutex> lock(*self.mutex);
      *self.last = r;
    }
    std::vector<detail::KernelSignature> sigs;
    std::string error;
    if (!detail::parseSignatures(r.fileName, r.source, sigs, error))
      throw Error(Error::Kind::Compile, error);
    CompiledKernel k;
    k.name = r.kernelName;
    k.arch = r.arch;
    k.numWarps = r.numWarps ? r.numWarps : 4; // 0: the kernel's own, which this fake does not read
    k.sharedBytes = self.sharedBytes;
    for (const auto &s : sigs)
      if (s.name == r.kernelName)
        k.params = s.params;
    std::ostringstream ptx;
    ptx << "// fake PTX for " << r.kernelName << " " << r.arch << " warps=" << r.numWarps;
    for (const auto &[name, value] : r.constants)
      ptx << " " << name << "=" << value.toString();
    ptx << " div16=";
    for (unsigned i : r.divisibleBy16)
      ptx << i << ",";
    ptx << "\n.visible .entry " << r.kernelName << "() { ret; }\n";
    k.ptx = ptx.str();
    return k;
  };
}

Context offlineContext(const std::string &dir, const FakeCompiler &compiler, bool alwaysCompile) {
  ContextOptions o;
  o.cacheDir = dir;
  o.compiler = compiler.function();
  o.alwaysCompile = alwaysCompile;
  return Context::offline(o);
}

const char *kVectorAdd = R"(# z = x + y over n elements; each program handles BLOCK of them.
@kernel
def vector_add(x: ptr<f32>, y: ptr<f32>, z: ptr<f32>, n: i32, const BLOCK: i32 = 1024):
    pid = program_id(0)
    offsets = pid * BLOCK + arange(0, BLOCK)
    mask = offsets < n
    a = load(x + offsets, mask=mask)
    b = load(y + offsets, mask=mask)
    store(z + offsets, a + b, mask=mask)
)";

const char *kManyParams = R"(@kernel
def many(p: ptr<bf16>, q: ptr<i32>, n: i64, m: i16, s: f32, h: bf16, flag: bool, const B: i32, const SCALE: f32 = 1.0, const CAUSAL: bool = False):
    pid = program_id(0)
)";

ScopedEnv::ScopedEnv(const char *name, const char *value) : name_(name) {
  if (const char *old = std::getenv(name))
    previous_ = old;
  if (value)
    setenv(name, value, 1);
  else
    unsetenv(name);
}

ScopedEnv::~ScopedEnv() {
  if (previous_)
    setenv(name_.c_str(), previous_->c_str(), 1);
  else
    unsetenv(name_.c_str());
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void writeFile(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

} // namespace lacc::test

//===- TestUtil.h - shared helpers of the runtime tests ---------*- C++ -*-===//

#ifndef LACC_TEST_RUNTIME_TESTUTIL_H
#define LACC_TEST_RUNTIME_TESTUTIL_H

#include "lacc/Cache.h"
#include "lacc/Runtime.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lacc::test {

/// A fresh directory under $TMPDIR, removed with its contents at scope exit.
class TempDir {
public:
  TempDir();
  ~TempDir();
  const std::string &path() const { return path_; }

private:
  std::string path_;
};

/// Captures the runtime's log while alive.
class LogCapture {
public:
  LogCapture();
  ~LogCapture();
  std::vector<std::string> messages() const;
  size_t count(const std::string &needle) const;

private:
  struct Shared {
    mutable std::mutex mutex;
    std::vector<std::string> messages;
  };
  std::shared_ptr<Shared> shared_;
  Logger previous_;
};

/// A stand-in for code generation, which does not exist yet: it takes the
/// parameter list from the real signature parser and makes up PTX that
/// records the request. Counts its calls and keeps the last request.
struct FakeCompiler {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<CompileRequest> last = std::make_shared<CompileRequest>();
  unsigned sharedBytes = 0;

  CompileFunction function() const;
  int count() const { return calls->load(); }
};

/// A compile-only context on `dir` with the fake compiler.
Context offlineContext(const std::string &dir, const FakeCompiler &compiler,
                       bool alwaysCompile = false);

extern const char *kVectorAdd;  // kernels/vector_add.tile
extern const char *kManyParams; // a kernel with every kind of parameter

/// Sets (or, with nullptr, unsets) an environment variable while alive.
class ScopedEnv {
public:
  ScopedEnv(const char *name, const char *value);
  ~ScopedEnv();

private:
  std::string name_;
  std::optional<std::string> previous_;
};

/// Runs `f`, which must throw a lacc::Error of `kind` whose message is `message`.
template <class F> void expectError(F f, Error::Kind kind, const std::string &message) {
  try {
    f();
    ADD_FAILURE() << "no error; expected: " << message;
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_EQ(std::string(e.what()), message);
  }
}

/// Like expectError, for a message that must contain `part`.
template <class F> void expectErrorContaining(F f, Error::Kind kind, const std::string &part) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one containing: " << part;
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

std::string readFile(const std::string &path);
void writeFile(const std::string &path, const std::string &text);

} // namespace lacc::test

#endif

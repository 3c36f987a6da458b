//===- lacc/Cache.h - the on-disk kernel cache ------------------------------===//
//
// One file per compiled specialization, <dir>/<16 hex digits>.lacc, named by a
// 64-bit hash of everything that determines the PTX: the source text, kernel
// name, const values, divisibility, target, num_warps and compiler version.
//
// Entry format (little-endian), version 2:
//   header  "LACCKRNL" | u32 format version | u32 header bytes (32)
//           | u64 payload bytes | u64 checksum
//   payload the full key description (compared on load, so a 64-bit hash
//           collision is a miss, not a wrong kernel), then the metadata of the
//           CompiledKernel, then the PTX, then the ptxas report (five i32 and the
//           log); strings are u32 length + bytes.
// The checksum is XXH3-64 over the header's first 16 bytes and the payload.
// An entry of another format version is a miss, replaced without a warning.
//
// Autotuning keeps its choices beside the kernels, one file per kernel and key,
// <dir>/<16 hex digits>.tune: the same header with "LACCTUNE", then the key
// description and the TuningRecord. Written and verified like kernel entries.
//
// Writers write a temporary file in the same directory and rename() it over
// the entry, so readers see the old entry or the new one, never a partial one,
// whatever the number of threads and processes. A reader that finds an entry
// it cannot verify (truncated, bit-flipped, wrong magic) reports it once,
// deletes it and compiles again; it never loads it.
//
//===----------------------------------------------------------------------===//

#ifndef LACC_CACHE_H
#define LACC_CACHE_H

#include "lacc/Compiler.h"

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace lacc {

struct CacheKey {
  uint64_t hash = 0;
  /// Everything hashed except the source text, which is represented by its own
  /// 64-bit hash; human-readable, shown by `lacc cache show`.
  std::string description;

  /// 16 lowercase hex digits: the entry's file name without ".lacc".
  std::string hex() const;
};

CacheKey makeCacheKey(const CompileRequest &request);
/// The key whose description is `description` (the runtime's tuning records).
CacheKey makeKey(std::string description);

/// What @autotune measured for one kernel and key, and which config won.
struct TuningRecord {
  struct Trial {
    std::string config;  // as written in the source: "BLOCK=128, num_warps=4"
    double ms = -1;      // the median time of a run; negative: it failed
    std::string failure; // why it failed
  };
  std::vector<Trial> trials; // one per config, in the source's order
  uint32_t winner = 0;       // index into trials; always one that ran
};

/// $LACC_CACHE_DIR, else $XDG_CACHE_HOME/lacc, else $HOME/.cache/lacc.
std::string defaultCacheDir();

/// LACC_ALWAYS_COMPILE is set to something other than "" or "0".
bool alwaysCompileFromEnv();

class DiskCache {
public:
  explicit DiskCache(std::string dir);

  const std::string &dir() const { return dir_; }
  std::string pathFor(const CacheKey &key) const;

  /// The entry for `key`, or nothing on a miss. Never throws on a bad entry:
  /// a corrupt one is reported (once per process and path), deleted and
  /// treated as a miss.
  std::optional<CompiledKernel> load(const CacheKey &key) const;

  /// Writes the entry atomically. A failure (read-only directory, full disk)
  /// is a warning, not an error: the kernel still runs, uncached. Returns
  /// whether the entry was written.
  bool store(const CacheKey &key, const CompiledKernel &kernel) const;

  /// The same for autotuning's records (<dir>/<key>.tune).
  std::string tuningPathFor(const CacheKey &key) const;
  std::optional<TuningRecord> loadTuning(const CacheKey &key) const;
  bool storeTuning(const CacheKey &key, const TuningRecord &record) const;

  struct Entry {
    std::string key;  // hex
    std::string path;
    uint64_t bytes = 0;
    int64_t mtime = 0; // seconds since the epoch
    bool valid = false;
    std::string problem;     // why it is not valid
    std::string description; // when valid
    bool isTuning = false;   // a tuning record (.tune), not a kernel
    CompiledKernel kernel;   // when valid, of a kernel
    TuningRecord tuning;     // when valid, of a tuning record
  };
  /// Every entry, kernels then tuning records, each sorted by key; invalid ones are listed
  /// with the problem.
  std::vector<Entry> list() const;
  /// The entries whose key starts with `prefix`.
  std::vector<Entry> find(const std::string &prefix) const;
  /// Deletes every entry, tuning record and leftover temporary file; returns how many files.
  size_t clear() const;

  /// Encoding and verification, exposed for tests and tools.
  static std::string encode(const CacheKey &key, const CompiledKernel &kernel);
  /// Decodes a whole file image; on failure returns false and says why.
  static bool decode(const std::string &image, std::string &description, CompiledKernel &kernel,
                     std::string &problem);
  static std::string encodeTuning(const CacheKey &key, const TuningRecord &record);
  static bool decodeTuning(const std::string &image, std::string &description,
                           TuningRecord &record, std::string &problem);

private:
  std::string dir_;
};

/// `lacc cache ls|show KEY|clear [--dir DIR]`: args are the words after
/// "cache". Writes to out/err and returns the exit status.
int runCacheCommand(const std::vector<std::string> &args, std::ostream &out, std::ostream &err);

/// The same from main(argc, argv) of a tool whose argv[1] is "ls", "show", ...
int cacheToolMain(int argc, char **argv);

} // namespace lacc

#endif // LACC_CACHE_H

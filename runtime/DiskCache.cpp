//===- DiskCache.cpp - compiled kernels on disk, safe under concurrency ----===//
//
// The format and the protocol are described in lacc/Cache.h. The rules that
// make it safe: an entry only ever appears by rename() of a complete file;
// every byte of an entry is covered by the checksum or checked against the
// file size; and nothing read from disk is trusted until it has been verified.
//
//===----------------------------------------------------------------------===//

#include "lacc/Cache.h"
#include "lacc/Error.h"

#include "llvm/Support/xxhash.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

namespace lacc {

namespace {
constexpr char kMagic[8] = {'L', 'A', 'C', 'C', 'K', 'R', 'N', 'L'};
constexpr uint32_t kFormatVersion = 4; // 2: the ptxas report; 3: tensor descriptors; 4: TMA maps
constexpr uint32_t kHeaderBytes = 32;
constexpr uint64_t kMaxEntryBytes = uint64_t(1) << 30; // anything larger is not ours
constexpr const char *kSuffix = ".lacc";
constexpr char kTuningMagic[8] = {'L', 'A', 'C', 'C', 'T', 'U', 'N', 'E'};
constexpr uint32_t kTuningVersion = 1;
constexpr const char *kTuningSuffix = ".tune";

uint64_t hash64(const void *data, size_t n) {
  return llvm::xxh3_64bits(llvm::ArrayRef<uint8_t>(static_cast<const uint8_t *>(data), n));
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// --- little-endian encoding ------------------------------------------------

void putU32(std::string &out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}
void putU64(std::string &out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out.push_back(static_cast<char>(v >> (8 * i)));
}
void putStr(std::string &out, const std::string &s) {
  putU32(out, static_cast<uint32_t>(s.size()));
  out += s;
}

/// Bounds-checked reads: every failure sets `bad` and yields zeros, so a
/// decoder runs to the end and then asks once whether the input was sound.
struct Reader {
  const std::string &buf;
  size_t pos;
  bool bad = false;

  uint64_t get(unsigned bytes) {
    if (bad || buf.size() - pos < bytes) {
      bad = true;
      return 0;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; ++i)
      v |= uint64_t(static_cast<uint8_t>(buf[pos + i])) << (8 * i);
    pos += bytes;
    return v;
  }
  uint32_t u32() { return static_cast<uint32_t>(get(4)); }
  uint64_t u64() { return get(8); }
  uint8_t u8() { return static_cast<uint8_t>(get(1)); }
  std::string str() {
    uint32_t n = u32();
    if (bad || buf.size() - pos < n) {
      bad = true;
      return {};
    }
    std::string s = buf.substr(pos, n);
    pos += n;
    return s;
  }
};

// --- files -----------------------------------------------------------------

std::string errnoText(int err) { return std::strerror(err); }

/// mkdir -p; returns "" or the reason.
std::string makeDirs(const std::string &dir) {
  std::string path;
  size_t i = 0;
  while (i <= dir.size()) {
    size_t slash = dir.find('/', i);
    if (slash == std::string::npos)
      slash = dir.size();
    path = dir.substr(0, slash);
    i = slash + 1;
    if (path.empty())
      continue;
    if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
      return "cannot create '" + path + "': " + errnoText(errno);
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return "'" + dir + "' is not a directory";
  return "";
}

/// Reads a whole file. Returns 0, or errno (ENOENT for a miss).
int readFile(const std::string &path, std::string &out, struct stat &st) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  int err = 0;
  if (fstat(fd, &st) != 0) {
    err = errno;
  } else if (static_cast<uint64_t>(st.st_size) > kMaxEntryBytes) {
    err = EFBIG;
  } else {
    out.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = read(fd, &out[done], out.size() - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        err = n < 0 ? errno : EIO;
        break;
      }
      done += static_cast<size_t>(n);
    }
  }
  close(fd);
  return err;
}

/// Paths already reported corrupt whose deletion failed: reported only once.
std::mutex reportedMutex;
std::set<std::string> reportedUndeletable;
std::atomic<bool> storeFailureReported{false};

std::string describeRequest(const CompileRequest &r) {
  std::string d;
  d += "compiler " + compilerVersion() + "\n";
  d += "kernel " + r.kernelName + "\n";
  d += "arch " + r.arch + "\n";
  d += "num_warps " + std::to_string(r.numWarps) + "\n";
  d += "num_stages " + std::to_string(r.numStages) + "\n";
  d += "max_registers " + std::to_string(r.maxRegisters) + "\n";
  d += std::string("warp_specialize ") + (r.warpSpecialize ? "1" : "0") + "\n";
  d += "constants";
  for (const auto &[name, value] : r.constants) // a std::map: sorted, so canonical
    d += " " + name + "=" + value.toString();
  d += "\ndivisible_by_16";
  for (unsigned i : r.divisibleBy16)
    d += " " + std::to_string(i);
  d += "\nequal_to_1";
  for (unsigned i : r.equalToOne)
    d += " " + std::to_string(i);
  d += "\nsource " + hex64(hash64(r.source.data(), r.source.size())) + " (" +
       std::to_string(r.source.size()) + " bytes)\n";
  return d;
}

/// The header (magic, version, sizes, checksum) before `payload`. The checksum covers the
/// header fields before it, so a flipped bit there is caught too, then the payload.
std::string withHeader(const char (&magic)[8], uint32_t version, const std::string &payload) {
  std::string image(magic, sizeof magic);
  putU32(image, version);
  putU32(image, kHeaderBytes);
  putU64(image, payload.size());
  std::string covered = image + payload;
  putU64(image, hash64(covered.data(), covered.size()));
  image += payload;
  return image;
}

/// Whether `image` has a sound header for `magic` and `version` and its payload matches the
/// checksum; if not, says why.
bool verifyHeader(const std::string &image, const char (&magic)[8], uint32_t version,
                  std::string &problem) {
  if (image.size() < kHeaderBytes) {
    problem = "truncated (" + std::to_string(image.size()) + " bytes, shorter than the header)";
    return false;
  }
  if (std::memcmp(image.data(), magic, sizeof magic) != 0) {
    problem = "not a lacc cache entry (bad magic)";
    return false;
  }
  Reader h{image, sizeof magic};
  uint32_t found = h.u32();
  uint32_t headerBytes = h.u32();
  uint64_t payloadBytes = h.u64();
  uint64_t checksum = h.u64();
  if (found != version || headerBytes != kHeaderBytes) {
    problem = "unknown format version " + std::to_string(found);
    return false;
  }
  if (payloadBytes != image.size() - kHeaderBytes) {
    problem = "truncated or padded: header says " + std::to_string(payloadBytes) +
              " payload bytes, file has " + std::to_string(image.size() - kHeaderBytes);
    return false;
  }
  std::string covered = image.substr(0, kHeaderBytes - 8) + image.substr(kHeaderBytes);
  if (hash64(covered.data(), covered.size()) != checksum) {
    problem = "checksum mismatch";
    return false;
  }
  return true;
}

/// An entry that an older (or newer) lacc wrote: not damage, just not ours to read. It is
/// replaced when the kernel is next compiled, without a warning.
bool otherFormatVersion(const std::string &image, const char (&magic)[8], uint32_t version) {
  if (image.size() < kHeaderBytes || std::memcmp(image.data(), magic, sizeof magic) != 0)
    return false;
  Reader h{image, sizeof magic};
  return h.u32() != version;
}

void putReport(std::string &out, const PtxasReport &r) {
  for (int v : {r.registers, r.spillStoreBytes, r.spillLoadBytes, r.stackBytes,
                r.staticSharedBytes})
    putU32(out, static_cast<uint32_t>(v));
  putStr(out, r.log);
}

PtxasReport readReport(Reader &r) {
  PtxasReport report;
  for (int *v : {&report.registers, &report.spillStoreBytes, &report.spillLoadBytes,
                 &report.stackBytes, &report.staticSharedBytes})
    *v = static_cast<int32_t>(r.u32());
  report.log = r.str();
  return report;
}

void putDescriptor(std::string &out, const TensorDescriptor &d) {
  putU32(out, d.base);
  putU32(out, d.elementBytes);
  putU32(out, static_cast<uint32_t>(d.block.size()));
  for (size_t i = 0; i < d.block.size(); ++i)
    for (const TensorDescriptor::Operand &o : {d.shape[i], d.strides[i]}) {
      putU32(out, static_cast<uint32_t>(o.param));
      putU64(out, static_cast<uint64_t>(o.constant));
    }
  for (int64_t b : d.block)
    putU64(out, static_cast<uint64_t>(b));
}

TensorDescriptor readDescriptor(Reader &r) {
  TensorDescriptor d;
  d.base = r.u32();
  d.elementBytes = r.u32();
  uint32_t rank = r.u32();
  if (rank > 5) {
    r.bad = true;
    return d;
  }
  for (uint32_t j = 0; j < rank; ++j)
    for (auto *to : {&d.shape, &d.strides}) {
      TensorDescriptor::Operand o;
      o.param = static_cast<int32_t>(r.u32());
      o.constant = static_cast<int64_t>(r.u64());
      to->push_back(o);
    }
  for (uint32_t j = 0; j < rank; ++j)
    d.block.push_back(static_cast<int64_t>(r.u64()));
  return d;
}

/// Writes `image` as `path` atomically: a temporary file in the same directory, renamed over
/// it. Returns "" or why it could not.
std::string writeAtomically(const std::string &dir, const std::string &path,
                            const std::string &stem, const std::string &image) {
  if (std::string why = makeDirs(dir); !why.empty())
    return why;
  // A name no other writer can pick: pid, thread and a counter. A leading dot
  // keeps it out of the entry namespace; `lacc cache clear` removes leftovers
  // of crashed writers.
  static std::atomic<uint64_t> counter{0};
  std::string tmp = dir + "/." + stem + ".tmp." + std::to_string(getpid()) + "." +
                    hex64(std::hash<std::thread::id>()(std::this_thread::get_id())) + "." +
                    std::to_string(counter++);
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    return "cannot create '" + tmp + "': " + errnoText(errno);
  size_t done = 0;
  int err = 0;
  while (done < image.size()) {
    ssize_t n = write(fd, image.data() + done, image.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      err = n < 0 ? errno : EIO;
      break;
    }
    done += static_cast<size_t>(n);
  }
  // No fsync: after a crash a renamed entry may be empty or short, and the
  // checksum catches that; the cost of a compile is not worth a disk flush.
  if (close(fd) != 0 && err == 0)
    err = errno;
  if (err == 0 && rename(tmp.c_str(), path.c_str()) != 0)
    err = errno;
  if (err != 0) {
    unlink(tmp.c_str());
    return errnoText(err);
  }
  return "";
}
} // namespace

// --- keys and locations ----------------------------------------------------

std::string CacheKey::hex() const { return hex64(hash); }

CacheKey makeCacheKey(const CompileRequest &request) { return makeKey(describeRequest(request)); }

CacheKey makeKey(std::string description) {
  CacheKey key;
  key.description = std::move(description);
  key.hash = hash64(key.description.data(), key.description.size());
  return key;
}

std::string defaultCacheDir() {
  if (const char *dir = std::getenv("LACC_CACHE_DIR"); dir && *dir)
    return dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/lacc";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/lacc";
  return "/tmp/lacc-cache-" + std::to_string(getuid());
}

bool alwaysCompileFromEnv() {
  const char *v = std::getenv("LACC_ALWAYS_COMPILE");
  return v && *v && std::strcmp(v, "0") != 0;
}

DiskCache::DiskCache(std::string dir) : dir_(std::move(dir)) {
  while (dir_.size() > 1 && dir_.back() == '/')
    dir_.pop_back();
}

std::string DiskCache::pathFor(const CacheKey &key) const {
  return dir_ + "/" + key.hex() + kSuffix;
}

// --- encoding --------------------------------------------------------------

std::string DiskCache::encode(const CacheKey &key, const CompiledKernel &k) {
  std::string payload;
  putStr(payload, key.description);
  putStr(payload, k.name);
  putStr(payload, k.arch);
  putU32(payload, k.numWarps);
  putU32(payload, k.sharedBytes);
  putU32(payload, static_cast<uint32_t>(k.params.size()));
  for (const Param &p : k.params) {
    putStr(payload, p.name);
    payload.push_back(static_cast<char>(p.kind));
    payload.push_back(static_cast<char>(p.type));
    putU32(payload, p.bytes);
  }
  putStr(payload, k.ptx);
  putStr(payload, ""); // reserved: a cubin
  putReport(payload, k.ptxas);
  putU32(payload, static_cast<uint32_t>(k.descriptors.size()));
  for (const TensorDescriptor &d : k.descriptors)
    putDescriptor(payload, d);
  putU32(payload, static_cast<uint32_t>(k.tensorMaps.size()));
  for (const TensorMap &m : k.tensorMaps) {
    putDescriptor(payload, m.tensor);
    putU32(payload, m.swizzleBytes);
  }
  return withHeader(kMagic, kFormatVersion, payload);
}

bool DiskCache::decode(const std::string &image, std::string &description, CompiledKernel &k,
                       std::string &problem) {
  if (!verifyHeader(image, kMagic, kFormatVersion, problem))
    return false;
  Reader r{image, kHeaderBytes};
  description = r.str();
  k = CompiledKernel{};
  k.name = r.str();
  k.arch = r.str();
  k.numWarps = r.u32();
  k.sharedBytes = r.u32();
  uint32_t nparams = r.u32();
  for (uint32_t i = 0; i < nparams && !r.bad; ++i) {
    Param p;
    p.name = r.str();
    uint8_t kind = r.u8(), type = r.u8();
    p.bytes = r.u32();
    if (kind > uint8_t(Param::Kind::Float) || type > uint8_t(ScalarType::F8E5M2))
      r.bad = true;
    p.kind = static_cast<Param::Kind>(kind);
    p.type = static_cast<ScalarType>(type);
    k.params.push_back(std::move(p));
  }
  k.ptx = r.str();
  r.str(); // cubin, unused
  k.ptxas = readReport(r);
  uint32_t ndescriptors = r.u32();
  for (uint32_t i = 0; i < ndescriptors && !r.bad; ++i)
    k.descriptors.push_back(readDescriptor(r));
  uint32_t nmaps = r.u32();
  for (uint32_t i = 0; i < nmaps && !r.bad; ++i) {
    TensorMap m;
    m.tensor = readDescriptor(r);
    m.swizzleBytes = r.u32();
    if (m.swizzleBytes != 0 && m.swizzleBytes != 32 && m.swizzleBytes != 64 &&
        m.swizzleBytes != 128)
      r.bad = true;
    k.tensorMaps.push_back(std::move(m));
  }
  if (r.bad || r.pos != image.size()) {
    // The checksum matched, so this is a writer bug, not disk damage; still
    // never load it.
    problem = "malformed payload";
    return false;
  }
  return true;
}

// --- load and store ----------------------------------------------------------

namespace {
/// Reads the file at `path` with `decode(image, description, problem)`: true when it decoded
/// and its description is `description`. A file that does not decode is corrupt: it is
/// deleted (unless someone replaced it meanwhile: a rebuilt entry of another process must not
/// be thrown away) and reported once, as `what` "is compiled again" or "is tuned again".
template <class Decode>
bool loadVerified(const std::string &path, const std::string &description,
                  const char (&magic)[8], uint32_t version, const char *again, Decode decode) {
  std::string image, found, problem;
  struct stat st {};
  int err = readFile(path, image, st);
  if (err == ENOENT)
    return false;
  if (err != 0) {
    problem = "unreadable: " + errnoText(err);
  } else if (otherFormatVersion(image, magic, version)) {
    return false; // another lacc's; replaced by the next store
  } else if (decode(image, found, problem)) {
    // A different description is a 64-bit hash collision, or a file copied in
    // by hand: not ours, and harmless; the next store replaces it.
    return found == description;
  }

  struct stat now {};
  bool deleted = false;
  if (err == 0 && stat(path.c_str(), &now) == 0 && now.st_ino == st.st_ino &&
      now.st_dev == st.st_dev)
    deleted = unlink(path.c_str()) == 0;
  std::lock_guard<std::mutex> lock(reportedMutex);
  if (!deleted && !reportedUndeletable.insert(path).second)
    return false; // already reported
  log(LogLevel::Warning, "corrupt cache entry " + path + " (" + problem + "): " +
                             (deleted ? "deleted; " : "ignored; ") + again);
  return false;
}
} // namespace

std::optional<CompiledKernel> DiskCache::load(const CacheKey &key) const {
  CompiledKernel kernel;
  if (!loadVerified(pathFor(key), key.description, kMagic, kFormatVersion,
                    "the kernel is compiled again",
                    [&](const std::string &image, std::string &description, std::string &problem) {
                      return decode(image, description, kernel, problem);
                    }))
    return std::nullopt;
  return kernel;
}

bool DiskCache::store(const CacheKey &key, const CompiledKernel &kernel) const {
  std::string why = writeAtomically(dir_, pathFor(key), key.hex(), encode(key, kernel));
  if (why.empty())
    return true;
  if (!storeFailureReported.exchange(true))
    log(LogLevel::Warning, "cannot write the kernel cache in " + dir_ + ": " + why +
                               " (kernels still run, compiled each time; further failures are "
                               "not reported)");
  return false;
}

// --- tuning records -------------------------------------------------------------

std::string DiskCache::tuningPathFor(const CacheKey &key) const {
  return dir_ + "/" + key.hex() + kTuningSuffix;
}

std::string DiskCache::encodeTuning(const CacheKey &key, const TuningRecord &record) {
  std::string payload;
  putStr(payload, key.description);
  putU32(payload, record.winner);
  putU32(payload, static_cast<uint32_t>(record.trials.size()));
  for (const TuningRecord::Trial &t : record.trials) {
    putStr(payload, t.config);
    uint64_t bits;
    std::memcpy(&bits, &t.ms, 8);
    putU64(payload, bits);
    putStr(payload, t.failure);
  }
  return withHeader(kTuningMagic, kTuningVersion, payload);
}

bool DiskCache::decodeTuning(const std::string &image, std::string &description,
                             TuningRecord &record, std::string &problem) {
  if (!verifyHeader(image, kTuningMagic, kTuningVersion, problem))
    return false;
  Reader r{image, kHeaderBytes};
  description = r.str();
  record = TuningRecord{};
  record.winner = r.u32();
  uint32_t trials = r.u32();
  for (uint32_t i = 0; i < trials && !r.bad; ++i) {
    TuningRecord::Trial t;
    t.config = r.str();
    uint64_t bits = r.u64();
    std::memcpy(&t.ms, &bits, 8);
    t.failure = r.str();
    record.trials.push_back(std::move(t));
  }
  // The winner must be a config that ran: a record that says otherwise is not trusted.
  if (r.bad || r.pos != image.size() || record.winner >= record.trials.size() ||
      !(record.trials[record.winner].ms >= 0)) {
    problem = "malformed payload";
    return false;
  }
  return true;
}

std::optional<TuningRecord> DiskCache::loadTuning(const CacheKey &key) const {
  TuningRecord record;
  if (!loadVerified(tuningPathFor(key), key.description, kTuningMagic, kTuningVersion,
                    "the kernel is tuned again",
                    [&](const std::string &image, std::string &description, std::string &problem) {
                      return decodeTuning(image, description, record, problem);
                    }))
    return std::nullopt;
  return record;
}

bool DiskCache::storeTuning(const CacheKey &key, const TuningRecord &record) const {
  std::string why =
      writeAtomically(dir_, tuningPathFor(key), key.hex(), encodeTuning(key, record));
  if (why.empty())
    return true;
  if (!storeFailureReported.exchange(true))
    log(LogLevel::Warning, "cannot write the kernel cache in " + dir_ + ": " + why +
                               " (the autotuning choice is not kept; further failures are not "
                               "reported)");
  return false;
}

// --- listing ----------------------------------------------------------------

std::vector<DiskCache::Entry> DiskCache::list() const { return find(""); }

std::vector<DiskCache::Entry> DiskCache::find(const std::string &prefix) const {
  std::vector<Entry> entries;
  DIR *d = opendir(dir_.c_str());
  if (!d)
    return entries;
  auto endsWith = [](const std::string &name, const char *suffix) {
    size_t n = std::strlen(suffix);
    return name.size() > n && name.compare(name.size() - n, n, suffix) == 0;
  };
  while (struct dirent *e = readdir(d)) {
    std::string name = e->d_name;
    bool tuning = endsWith(name, kTuningSuffix);
    if (name[0] == '.' || (!tuning && !endsWith(name, kSuffix)))
      continue;
    Entry entry;
    entry.isTuning = tuning;
    entry.key = name.substr(0, name.size() - std::strlen(tuning ? kTuningSuffix : kSuffix));
    if (entry.key.compare(0, prefix.size(), prefix) != 0)
      continue;
    entry.path = dir_ + "/" + name;
    std::string image;
    struct stat st {};
    int err = readFile(entry.path, image, st);
    if (err == ENOENT)
      continue; // deleted meanwhile
    entry.bytes = static_cast<uint64_t>(st.st_size);
    entry.mtime = static_cast<int64_t>(st.st_mtime);
    if (err != 0)
      entry.problem = "unreadable: " + errnoText(err);
    else if (tuning)
      entry.valid = decodeTuning(image, entry.description, entry.tuning, entry.problem);
    else
      entry.valid = decode(image, entry.description, entry.kernel, entry.problem);
    entries.push_back(std::move(entry));
  }
  closedir(d);
  std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return a.isTuning != b.isTuning ? b.isTuning : a.key < b.key;
  });
  return entries;
}

size_t DiskCache::clear() const {
  size_t removed = 0;
  DIR *d = opendir(dir_.c_str());
  if (!d)
    return 0;
  while (struct dirent *e = readdir(d)) {
    std::string name = e->d_name;
    bool entry = (name.size() > 5 && name.compare(name.size() - 5, 5, kSuffix) == 0) ||
                 (name.size() > 5 && name.compare(name.size() - 5, 5, kTuningSuffix) == 0);
    bool temp = name[0] == '.' && name.find(".tmp.") != std::string::npos;
    if ((entry || temp) && unlink((dir_ + "/" + name).c_str()) == 0)
      ++removed;
  }
  closedir(d);
  return removed;
}

} // namespace lacc

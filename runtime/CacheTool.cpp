//===- CacheTool.cpp - `lacc cache ls|show KEY|clear` -----------------------===//

#include "lacc/Cache.h"

#include <cstdio>
#include <ctime>
#include <iostream>

namespace lacc {

static const char *kUsage =
    "usage: lacc cache [--dir DIR] ls         list the entries\n"
    "       lacc cache [--dir DIR] show KEY   metadata, ptxas report and PTX of one entry, or the\n"
    "                                         timings of an autotuning record (KEY: a unique prefix)\n"
    "       lacc cache [--dir DIR] clear      delete every entry and autotuning record\n"
    "DIR defaults to $LACC_CACHE_DIR or ~/.cache/lacc.\n";

static std::string field(const std::string &description, const std::string &name) {
  size_t at = description.find(name + " ");
  if (at == std::string::npos)
    return "";
  at += name.size() + 1;
  return description.substr(at, description.find('\n', at) - at);
}

static std::string msText(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g ms", ms);
  return buf;
}

static std::string when(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&tt));
  return buf;
}

int runCacheCommand(const std::vector<std::string> &argsIn, std::ostream &out, std::ostream &err) {
  std::vector<std::string> args = argsIn;
  std::string dir = defaultCacheDir();
  for (size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--dir" && i + 1 < args.size()) {
      dir = args[i + 1];
      args.erase(args.begin() + i, args.begin() + i + 2);
      break;
    }
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  DiskCache cache(dir);
  const std::string &cmd = args[0];

  if (cmd == "ls" && args.size() == 1) {
    auto entries = cache.list();
    uint64_t total = 0;
    for (const auto &e : entries) {
      total += e.bytes;
      out << e.key << "  " << e.bytes << " B  " << when(e.mtime) << "  ";
      if (!e.valid) {
        out << "CORRUPT (" << e.problem << ")\n";
        continue;
      }
      if (e.isTuning) {
        const TuningRecord::Trial &won = e.tuning.trials[e.tuning.winner];
        out << "autotune " << field(e.description, "kernel") << "  key "
            << field(e.description, "key") << "  -> config " << e.tuning.winner + 1 << " ("
            << won.config << ", " << msText(won.ms) << ")\n";
        continue;
      }
      out << e.kernel.name << "  " << e.kernel.arch << "  num_warps=" << e.kernel.numWarps;
      std::string consts = field(e.description, "constants");
      if (!consts.empty())
        out << "  " << consts;
      std::string div = field(e.description, "divisible_by_16");
      if (!div.empty())
        out << "  div16:" << div;
      if (e.kernel.ptxas.known())
        out << "  registers=" << e.kernel.ptxas.registers << "  spill_stores="
            << (e.kernel.ptxas.spillStoreBytes < 0
                    ? "?"
                    : std::to_string(e.kernel.ptxas.spillStoreBytes) + "B");
      out << "\n";
    }
    out << entries.size() << " entr" << (entries.size() == 1 ? "y" : "ies") << ", " << total
        << " bytes in " << dir << "\n";
    return 0;
  }
  if (cmd == "show" && args.size() == 2) {
    auto entries = cache.find(args[1]);
    if (entries.empty()) {
      err << "lacc cache: no entry with key " << args[1] << " in " << dir << "\n";
      return 1;
    }
    if (entries.size() > 1) {
      err << "lacc cache: key " << args[1] << " is ambiguous:";
      for (const auto &e : entries)
        err << " " << e.key;
      err << "\n";
      return 1;
    }
    const auto &e = entries[0];
    out << "key " << e.key << "\npath " << e.path << "\nbytes " << e.bytes << "\nwritten "
        << when(e.mtime) << "\n";
    if (!e.valid) {
      out << "CORRUPT: " << e.problem << "\n";
      return 1;
    }
    out << e.description;
    if (e.isTuning) {
      for (size_t i = 0; i < e.tuning.trials.size(); ++i) {
        const TuningRecord::Trial &t = e.tuning.trials[i];
        out << "config " << i + 1 << " " << t.config << ": "
            << (t.ms >= 0 ? msText(t.ms) : "failed: " + t.failure)
            << (i == e.tuning.winner ? "  (winner)" : "") << "\n";
      }
      return 0;
    }
    const CompiledKernel &k = e.kernel;
    out << "entry " << k.name << "\nshared_bytes " << k.sharedBytes << "\nptxas "
        << k.ptxas.summary() << "\n"
        << k.ptxas.log << "parameters";
    for (const Param &p : k.params)
      out << " " << p.name << ":" << p.typeString();
    out << "\nptx " << k.ptx.size() << " bytes\n" << k.ptx;
    if (!k.ptx.empty() && k.ptx.back() != '\n')
      out << "\n";
    return 0;
  }
  if (cmd == "clear" && args.size() == 1) {
    size_t n = cache.clear();
    out << "removed " << n << " file" << (n == 1 ? "" : "s") << " from " << dir << "\n";
    return 0;
  }
  err << "lacc cache: unknown command '" << cmd << "'\n" << kUsage;
  return 2;
}

int cacheToolMain(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return runCacheCommand(args, std::cout, std::cerr);
}

} // namespace lacc

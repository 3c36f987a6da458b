//===- Ptxas.cpp - read ptxas's resource report; find and run ptxas --------===//

#include "lacc/Ptxas.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lacc {

namespace {

/// The integer that ends just before `at` (spaces skipped), or -1.
int numberBefore(const std::string &line, size_t at) {
  size_t end = at;
  while (end > 0 && line[end - 1] == ' ')
    --end;
  size_t begin = end;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(line[begin - 1])))
    --begin;
  if (begin == end)
    return -1;
  return std::atoi(line.substr(begin, end - begin).c_str());
}

/// The integer that starts just after `at` (spaces skipped), or -1.
int numberAfter(const std::string &line, size_t at) {
  while (at < line.size() && line[at] == ' ')
    ++at;
  if (at >= line.size() || !std::isdigit(static_cast<unsigned char>(line[at])))
    return -1;
  return std::atoi(line.c_str() + at);
}

/// The name in quotes after `marker`, or the rest of the line.
std::string nameAfter(const std::string &line, size_t at) {
  while (at < line.size() && line[at] == ' ')
    ++at;
  if (at < line.size() && line[at] == '\'') {
    size_t close = line.find('\'', at + 1);
    return line.substr(at + 1, close == std::string::npos ? std::string::npos : close - at - 1);
  }
  size_t end = line.find_first_of(" \r", at);
  return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::string text(int value, const char *unit) {
  return value < 0 ? std::string("? ") + unit : std::to_string(value) + " " + unit;
}

} // namespace

std::string PtxasReport::summary() const {
  if (!known() && spillStoreBytes < 0 && stackBytes < 0)
    return "not assembled yet";
  return text(registers, "registers") + ", " + text(spillStoreBytes, "B spill stores") + ", " +
         text(spillLoadBytes, "B spill loads") + ", " + text(stackBytes, "B stack") + ", " +
         text(staticSharedBytes, "B static shared memory");
}

std::map<std::string, PtxasReport> parsePtxasLog(const std::string &log) {
  std::map<std::string, PtxasReport> reports;
  PtxasReport *current = nullptr;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    if (size_t at = line.find("Compiling entry function"); at != std::string::npos) {
      current = &reports[nameAfter(line, at + std::strlen("Compiling entry function"))];
    } else if (size_t at = line.find("Function properties for"); at != std::string::npos) {
      current = &reports[nameAfter(line, at + std::strlen("Function properties for"))];
    }
    if (!current)
      continue; // "0 bytes gmem" and the like belong to no function
    current->log += line + "\n";
    if (size_t at = line.find("bytes stack frame"); at != std::string::npos)
      current->stackBytes = numberBefore(line, at);
    if (size_t at = line.find("bytes spill stores"); at != std::string::npos)
      current->spillStoreBytes = numberBefore(line, at);
    if (size_t at = line.find("bytes spill loads"); at != std::string::npos)
      current->spillLoadBytes = numberBefore(line, at);
    if (size_t at = line.find("Used "); at != std::string::npos &&
                                         line.find("registers", at) != std::string::npos) {
      current->registers = numberAfter(line, at + 5);
      size_t smem = line.find("bytes smem");
      current->staticSharedBytes = smem == std::string::npos ? 0 : numberBefore(line, smem);
    }
  }
  return reports;
}

std::string findPtxas(std::string &looked) {
  looked.clear();
  std::string candidates[2];
  if (const char *home = std::getenv("CUDA_HOME"); home && *home)
    candidates[0] = std::string(home) + "/bin/ptxas";
  candidates[1] = "/usr/local/cuda/bin/ptxas";
  for (const std::string &path : candidates) {
    if (path.empty())
      continue;
    if (access(path.c_str(), X_OK) == 0)
      return path;
    looked += (looked.empty() ? "" : ", ") + path;
  }
  if (candidates[0].empty())
    looked += " (CUDA_HOME is not set)";
  return "";
}

bool runPtxas(const std::string &ptxas, const std::string &ptx, const std::string &arch,
              std::string &log, std::string &error) {
  const char *tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/lacc-ptxas-XXXXXX";
  if (!mkdtemp(&dir[0])) {
    error = "cannot create a temporary directory: " + std::string(std::strerror(errno));
    return false;
  }
  const std::string input = dir + "/kernel.ptx", output = dir + "/kernel.cubin",
                    messages = dir + "/ptxas.log";
  auto cleanup = [&] {
    unlink(input.c_str());
    unlink(output.c_str());
    unlink(messages.c_str());
    rmdir(dir.c_str());
  };
  {
    std::ofstream out(input, std::ios::binary);
    out << ptx;
    if (!out.flush()) {
      error = "cannot write " + input;
      cleanup();
      return false;
    }
  }
  // fork and exec, not a shell: the paths may hold anything.
  const std::string archFlag = "-arch=" + arch;
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(messages.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execl(ptxas.c_str(), ptxas.c_str(), "-v", archFlag.c_str(), input.c_str(), "-o",
          output.c_str(), static_cast<char *>(nullptr));
    _exit(127);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) < 0) {
    error = "cannot run " + ptxas + ": " + std::strerror(errno);
    cleanup();
    return false;
  }
  std::ifstream in(messages, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  log = text.str();
  cleanup();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error = ptxas + " " + archFlag + " failed" +
            (WIFEXITED(status) && WEXITSTATUS(status) == 127 ? " (cannot execute it)" : "") +
            (log.empty() ? "" : ":\n" + log);
    return false;
  }
  return true;
}

} // namespace lacc

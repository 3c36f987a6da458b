//===- MemoryCases.cpp - the memory-bound kernels, their shapes and references ---===//
//
// Shapes (full): the row-wise kernels run at 262144 x 1024 (TNL-385M's width, 256K tokens) and
// 32768 x 8192 (a 15B-class width); each tensor is 512 MiB in bf16, so every launch moves
// 1-2.5 GB, far beyond the 50 MB L2. The layer norms add 4096 x 8192 fp16, the shape at which
// issue 7 compared the tutorial's layer norm with Triton. LRPE runs at b 32, h 8, n 8192, d 128.
//
// Defaults ("what a user gets without choosing"): num_warps 4 (lacc::KernelOptions' default);
// BLOCK the kernel's own default (1024) where any BLOCK works, else the smallest that holds a
// row (the one-tile row kernels); LRPE's BLOCK_N default, 16; the tutorial's layer norm as
// Triton's tutorial launches it (BLOCK_SIZE = 8192, 8 warps at N = 8192 fp16), as issue 7 ran it.
//
// The references are written from the formulas in the kernels' headers, in fp64.
//
//===----------------------------------------------------------------------===//

#include "tools/bench/BenchData.h"
#include "tools/bench/MemoryCases.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace lacc::bench {

const char *dtypeName(DType t) {
  return t == DType::F32 ? "f32" : t == DType::BF16 ? "bf16" : "f16";
}
size_t dtypeBytes(DType t) { return t == DType::F32 ? 4 : 2; }

uint64_t Case::tensorBytes(const TensorSpec &t) const {
  uint64_t elements = t.extent == Extent::Matrix   ? uint64_t(rows) * uint64_t(t.width)
                      : t.extent == Extent::PerRow ? uint64_t(rows)
                                                   : uint64_t(t.width);
  return elements * dtypeBytes(t.type);
}

uint64_t Case::bytes() const {
  uint64_t total = 0;
  for (const TensorSpec &t : tensors)
    total += tensorBytes(t);
  return total;
}

namespace {

constexpr double kRmsEps = 1e-6;   // SRMSNorm and the gate (LIGHTNING.md)
constexpr double kLayerEps = 1e-5; // layer norm, as Triton's tutorial

int64_t nextPow2(int64_t v) {
  int64_t p = 1;
  while (p < v)
    p *= 2;
  return p;
}

/// Outputs pass below this relative error: rounding to 16 bits alone gives ~1e-3, and a wrong
/// kernel gives ~1. The bound says "wrong", not "precise"; the error itself is printed.
double toleranceFor(DType t) { return t == DType::F32 ? 1e-3 : 1e-2; }

TensorSpec matrix(std::string name, DType t, int64_t width, double lo, double hi) {
  TensorSpec s;
  s.name = std::move(name);
  s.type = t;
  s.width = width;
  s.lo = lo;
  s.hi = hi;
  return s;
}
TensorSpec matrixOut(std::string name, DType t, int64_t width) {
  TensorSpec s = matrix(std::move(name), t, width, 0, 0);
  s.output = true;
  s.tolerance = toleranceFor(t);
  return s;
}
TensorSpec perRow(std::string name, double lo, double hi) {
  TensorSpec s = matrix(std::move(name), DType::F32, 0, lo, hi);
  s.extent = Extent::PerRow;
  return s;
}
TensorSpec perRowOut(std::string name) {
  TensorSpec s = perRow(std::move(name), 0, 0);
  s.output = true;
  s.tolerance = toleranceFor(DType::F32);
  return s;
}
TensorSpec vector(std::string name, DType t, int64_t width, double lo, double hi) {
  TensorSpec s = matrix(std::move(name), t, width, lo, hi);
  s.extent = Extent::Vector;
  return s;
}

/// "BLOCK=1024 w4": the swept const values and num_warps; `fixed` const values (shape
/// parameters such as LRPE's H and D) are passed but not named.
Config config(const ConstMap &swept, unsigned warps, const ConstMap &fixed = {}) {
  Config c;
  for (const auto &[name, value] : swept)
    c.label += name + "=" + value.toString() + " ";
  c.label += "w" + std::to_string(warps);
  c.constants = fixed;
  c.constants.insert(swept.begin(), swept.end());
  c.numWarps = warps;
  return c;
}

/// Every (swept constants, warps) pair, in order.
std::vector<Config> sweep(const std::vector<ConstMap> &swept, const std::vector<unsigned> &warps,
                          const ConstMap &fixed = {}) {
  std::vector<Config> out;
  for (const ConstMap &c : swept)
    for (unsigned w : warps)
      out.push_back(config(c, w, fixed));
  return out;
}

/// The index of the configuration with these swept constants and warps, or 0 (smoke sweeps
/// need not hold the full-size default).
size_t indexOf(const std::vector<Config> &configs, const ConstMap &swept, unsigned warps) {
  std::string label = config(swept, warps).label;
  for (size_t i = 0; i < configs.size(); ++i)
    if (configs[i].label == label)
      return i;
  return 0;
}

std::string shapeName(int64_t rows, int64_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

/// A case over rows x cols whose tensors are filled in by the caller.
Case rowCase(std::string label, std::string file, std::string kernel, DType t, int64_t rows,
             int64_t cols) {
  Case c;
  c.label = std::move(label);
  c.file = std::move(file);
  c.kernel = std::move(kernel);
  c.dtype = dtypeName(t);
  c.rows = rows;
  c.cols = cols;
  c.shape = shapeName(rows, cols);
  return c;
}

int32_t i32(int64_t v) { return static_cast<int32_t>(v); }
int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t blockOf(const Config &cfg, const char *name = "BLOCK") {
  return cfg.constants.at(name).asInt();
}

// --- sweeps ------------------------------------------------------------------------------------

/// Kernels that hold a whole row in one tile: BLOCK is fixed by the row; num_warps varies (up to
/// 16: 512 threads leave each up to 128 registers).
void oneTileSweep(Case &c, bool smoke) {
  ConstMap block = {{"BLOCK", nextPow2(c.cols)}};
  std::vector<unsigned> warps = smoke           ? std::vector<unsigned>{4, 8}
                                : c.cols <= 2048 ? std::vector<unsigned>{2, 4, 8, 16}
                                                 : std::vector<unsigned>{4, 8, 16};
  c.configs = sweep({block}, warps);
  c.defaultConfig = indexOf(c.configs, block, 4);
}

/// Elementwise kernels over (row, column block) programs: BLOCK and num_warps vary.
void elementwiseSweep(Case &c, bool smoke, int64_t width) {
  std::vector<ConstMap> blocks;
  for (int64_t b : smoke ? std::vector<int64_t>{32, 64} : std::vector<int64_t>{512, 1024, 2048,
                                                                             4096, 8192})
    if (b <= std::max<int64_t>(nextPow2(width), 512))
      blocks.push_back({{"BLOCK", b}});
  c.configs = sweep(blocks, {4, 8});
  c.defaultConfig = indexOf(c.configs, {{"BLOCK", 1024}}, 4);
}

// --- softmax -------------------------------------------------------------------------------------

void softmaxRef(const std::vector<double> &x, std::vector<double> &y) {
  double m = *std::max_element(x.begin(), x.end()), s = 0;
  for (size_t i = 0; i < x.size(); ++i)
    s += (y[i] = std::exp(x[i] - m));
  for (double &v : y)
    v /= s;
}

Case softmax(bool online, int64_t rows, int64_t cols, bool smoke) {
  DType t = online ? DType::BF16 : DType::F32;
  const char *name = online ? "softmax_online" : "softmax";
  Case c = rowCase(name, "softmax.tile", name, t, rows, cols);
  c.tensors = {matrix("x", t, cols, -4, 4), matrixOut("y", t, cols)};
  if (online) {
    std::vector<ConstMap> blocks;
    int64_t full = nextPow2(cols);
    for (int64_t b : {smoke ? full / 2 : int64_t(1024), full / 4, full / 2, full})
      if (b >= 16 && std::none_of(blocks.begin(), blocks.end(), [&](const ConstMap &m) {
            return m.at("BLOCK").asInt() == b;
          }))
        blocks.push_back({{"BLOCK", b}});
    c.configs = sweep(blocks, {4, 8});
    c.defaultConfig = indexOf(c.configs, {{"BLOCK", 1024}}, 4);
  } else {
    oneTileSweep(c, smoke);
  }
  c.launch = [rows, cols](const Kernel &k, const Config &, const std::vector<DeviceBuffer> &b) {
    k.launch(Grid(rows), b[0], b[1], i32(rows), i32(cols), i32(cols), i32(cols));
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) { softmaxRef(in[0], out[0]); };
  return c;
}

// --- SRMSNorm and the output gate ----------------------------------------------------------------

double rstdOf(const std::vector<double> &x) {
  double ss = 0;
  for (double v : x)
    ss += v * v;
  return 1.0 / std::sqrt(ss / double(x.size()) + kRmsEps);
}

Case srmsnormFwd(int64_t rows, int64_t cols, bool smoke) {
  Case c = rowCase("srmsnorm_fwd", "srmsnorm.tile", "srmsnorm_fwd", DType::BF16, rows, cols);
  c.tensors = {matrix("x", DType::BF16, cols, -2, 2), matrixOut("y", DType::BF16, cols),
               perRowOut("rstd")};
  oneTileSweep(c, smoke);
  c.launch = [rows, cols](const Kernel &k, const Config &, const std::vector<DeviceBuffer> &b) {
    k.launch(Grid(rows), b[0], b[1], b[2], i32(cols), float(kRmsEps));
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) {
    double r = rstdOf(in[0]);
    for (size_t i = 0; i < in[0].size(); ++i)
      out[0][i] = in[0][i] * r;
    out[1][0] = r;
  };
  return c;
}

/// dx = rstd * (dy - x_hat * mean(x_hat * dy)), x_hat = x * rstd (also the gate's `do`).
void rmsBackward(const std::vector<double> &x, const std::vector<double> &dy, double r,
                 std::vector<double> &dx) {
  double c = 0;
  for (size_t i = 0; i < x.size(); ++i)
    c += x[i] * r * dy[i];
  c /= double(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    dx[i] = r * (dy[i] - x[i] * r * c);
}

Case srmsnormBwd(int64_t rows, int64_t cols, bool smoke) {
  Case c = rowCase("srmsnorm_bwd", "srmsnorm.tile", "srmsnorm_bwd", DType::BF16, rows, cols);
  c.tensors = {matrix("x", DType::BF16, cols, -2, 2), matrix("dy", DType::BF16, cols, -1, 1),
               perRow("rstd", 0.5, 2), matrixOut("dx", DType::BF16, cols)};
  oneTileSweep(c, smoke);
  c.launch = [rows, cols](const Kernel &k, const Config &, const std::vector<DeviceBuffer> &b) {
    k.launch(Grid(rows), b[0], b[1], b[2], b[3], i32(cols));
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) {
    rmsBackward(in[0], in[1], in[2][0], out[0]);
  };
  return c;
}

Case gateFwd(int64_t rows, int64_t cols, bool smoke) {
  Case c = rowCase("gate_norm_fwd", "tnl.tile", "gate_norm_fwd", DType::BF16, rows, cols);
  c.tensors = {matrix("o", DType::BF16, cols, -2, 2), matrix("u", DType::BF16, cols, -2, 2),
               matrixOut("y", DType::BF16, cols), perRowOut("rstd")};
  oneTileSweep(c, smoke);
  c.launch = [rows, cols](const Kernel &k, const Config &, const std::vector<DeviceBuffer> &b) {
    k.launch(Grid(rows), b[0], b[1], b[2], b[3], i32(cols), i32(cols), i32(cols), i32(cols),
             float(kRmsEps));
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) {
    double r = rstdOf(in[0]);
    for (size_t i = 0; i < in[0].size(); ++i)
      out[0][i] = in[1][i] * in[0][i] * r;
    out[1][0] = r;
  };
  return c;
}

Case gateBwd(int64_t rows, int64_t cols, bool smoke) {
  Case c = rowCase("gate_norm_bwd", "tnl.tile", "gate_norm_bwd", DType::BF16, rows, cols);
  c.tensors = {matrix("o", DType::BF16, cols, -2, 2), matrix("u", DType::BF16, cols, -2, 2),
               matrix("dy", DType::BF16, cols, -1, 1), perRow("rstd", 0.5, 2),
               matrixOut("do", DType::BF16, cols), matrixOut("du", DType::BF16, cols)};
  oneTileSweep(c, smoke);
  c.launch = [rows, cols](const Kernel &k, const Config &, const std::vector<DeviceBuffer> &b) {
    int32_t s = i32(cols);
    k.launch(Grid(rows), b[0], b[1], b[2], b[3], b[4], b[5], s, s, s, s, s, s);
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) {
    const std::vector<double> &o = in[0], &u = in[1], &dy = in[2];
    double r = in[3][0];
    std::vector<double> dz(o.size());
    for (size_t i = 0; i < o.size(); ++i) {
      dz[i] = dy[i] * u[i];
      out[1][i] = dy[i] * o[i] * r; // du = dy * z
    }
    rmsBackward(o, dz, r, out[0]); // do = rstd * (dz - z * mean(z * dz))
  };
  return c;
}

// --- elementwise: SiLU, SGLU, vector add -------------------------------------------------------

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

/// The 2-D elementwise kernels: grid (rows, cdiv(cols, BLOCK)).
Grid elementwiseGrid(int64_t rows, int64_t cols, const Config &cfg) {
  return Grid(rows, cdiv(cols, blockOf(cfg)));
}

Case siluFwd(int64_t rows, int64_t cols, bool smoke) {
  Case c = rowCase("silu_fwd", "tnl.tile", "silu_fwd", DType::BF16, rows, cols);
  c.tensors = {matrix("x", DType::BF16, cols, -4, 4), matrixOut("y", DType::BF16, cols)};
  elementwiseSweep(c, smoke, cols);
  c.launch = [rows, cols](const Kernel &k, const Config &cfg,
                          const std::vector<DeviceBuffer> &b) {
    k.launch(elementwiseGrid(rows, cols, cfg), b[0], b[1], i32(rows), i32(cols), i32(cols),
             i32(cols));
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) {
    for (size_t i = 0; i < in[0].size(); ++i)
      out[0][i] = in[0][i] * sigmoid(in[0][i]);
  };
  return c;
}

Case siluBwd(int64_t rows, int64_t cols, bool smoke) {
  Case c = rowCase("silu_bwd", "tnl.tile", "silu_bwd", DType::BF16, rows, cols);
  c.tensors = {matrix("x", DType::BF16, cols, -4, 4), matrix("dy", DType::BF16, cols, -1, 1),
               matrixOut("dx", DType::BF16, cols)};
  elementwiseSweep(c, smoke, cols);
  c.launch = [rows, cols](const Kernel &k, const Config &cfg,
                          const std::vector<DeviceBuffer> &b) {
    int32_t s = i32(cols);
    k.launch(elementwiseGrid(rows, cols, cfg), b[0], b[1], b[2], i32(rows), s, s, s, s);
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) {
    for (size_t i = 0; i < in[0].size(); ++i) {
      double x = in[0][i], sg = sigmoid(x);
      out[0][i] = in[1][i] * sg * (1 + x * (1 - sg));
    }
  };
  return c;
}

Case sgluFwd(int64_t rows, int64_t cols, bool smoke) {
  Case c = rowCase("sglu_fwd", "tnl.tile", "sglu_fwd", DType::BF16, rows, cols);
  c.tensors = {matrix("a", DType::BF16, cols, -2, 2), matrix("b", DType::BF16, cols, -2, 2),
               matrixOut("o", DType::BF16, cols)};
  elementwiseSweep(c, smoke, cols);
  c.launch = [rows, cols](const Kernel &k, const Config &cfg,
                          const std::vector<DeviceBuffer> &b) {
    int32_t s = i32(cols);
    k.launch(elementwiseGrid(rows, cols, cfg), b[0], b[1], b[2], i32(rows), s, s, s, s);
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) {
    for (size_t i = 0; i < in[0].size(); ++i)
      out[0][i] = in[0][i] * in[1][i];
  };
  return c;
}

Case sgluBwd(int64_t rows, int64_t cols, bool smoke) {
  Case c = rowCase("sglu_bwd", "tnl.tile", "sglu_bwd", DType::BF16, rows, cols);
  c.tensors = {matrix("a", DType::BF16, cols, -2, 2), matrix("b", DType::BF16, cols, -2, 2),
               matrix("do", DType::BF16, cols, -1, 1), matrixOut("da", DType::BF16, cols),
               matrixOut("db", DType::BF16, cols)};
  elementwiseSweep(c, smoke, cols);
  c.launch = [rows, cols](const Kernel &k, const Config &cfg,
                          const std::vector<DeviceBuffer> &b) {
    int32_t s = i32(cols);
    k.launch(elementwiseGrid(rows, cols, cfg), b[0], b[1], b[2], b[3], b[4], i32(rows), s, s, s,
             s, s, s);
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) {
    for (size_t i = 0; i < in[0].size(); ++i) {
      out[0][i] = in[2][i] * in[1][i];
      out[1][i] = in[2][i] * in[0][i];
    }
  };
  return c;
}

/// kernels/vector_add.tile over n = rows * cols elements (rows only organize the check).
Case vectorAdd(int64_t rows, int64_t cols, bool smoke) {
  Case c = rowCase("vector_add", "vector_add.tile", "vector_add", DType::F32, rows, cols);
  c.shape = std::to_string(rows * cols);
  c.tensors = {matrix("x", DType::F32, cols, -1, 1), matrix("y", DType::F32, cols, -1, 1),
               matrixOut("z", DType::F32, cols)};
  elementwiseSweep(c, smoke, smoke ? cols : 4096);
  c.launch = [n = rows * cols](const Kernel &k, const Config &cfg,
                               const std::vector<DeviceBuffer> &b) {
    k.launch(Grid(cdiv(n, blockOf(cfg))), b[0], b[1], b[2], i32(n));
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) {
    for (size_t i = 0; i < in[0].size(); ++i)
      out[0][i] = in[0][i] + in[1][i];
  };
  return c;
}

// --- layer norm ----------------------------------------------------------------------------------

void layerNormRef(const RowValues &in, RowValues &out) {
  const std::vector<double> &x = in[0], &w = in[1], &b = in[2];
  double mean = 0, var = 0;
  for (double v : x)
    mean += v;
  mean /= double(x.size());
  for (double v : x)
    var += (v - mean) * (v - mean);
  double r = 1.0 / std::sqrt(var / double(x.size()) + kLayerEps);
  for (size_t i = 0; i < x.size(); ++i)
    out[0][i] = (x[i] - mean) * r * w[i] + b[i];
  out[1][0] = mean;
  out[2][0] = r;
}

/// kernels/layernorm.tile (one tile per row), or the tutorial's kernel (three sweeps over the
/// row in BLOCK_SIZE slices).
Case layerNorm(bool tutorial, int64_t rows, int64_t cols, bool smoke) {
  Case c = tutorial ? rowCase("layernorm_fwd (tutorial 05)", "tutorials/05-layer-norm.tile",
                              "_layer_norm_fwd_fused", DType::F16, rows, cols)
                    : rowCase("layernorm_fwd", "layernorm.tile", "layernorm_fwd", DType::F16,
                              rows, cols);
  c.tensors = {matrix("x", DType::F16, cols, -1, 3), matrixOut("y", DType::F16, cols),
               vector("w", DType::F16, cols, 0.5, 1.5), vector("b", DType::F16, cols, -0.5, 0.5),
               perRowOut("mean"), perRowOut("rstd")};
  if (tutorial) {
    std::vector<ConstMap> blocks;
    for (int64_t b : smoke ? std::vector<int64_t>{64, 256} : std::vector<int64_t>{1024, 2048,
                                                                                4096, 8192})
      blocks.push_back({{"BLOCK_SIZE", b}});
    c.configs = sweep(blocks, smoke ? std::vector<unsigned>{4, 8}
                                    : std::vector<unsigned>{4, 8, 16});
    c.defaultConfig = indexOf(c.configs, {{"BLOCK_SIZE", 8192}}, 8);
  } else {
    oneTileSweep(c, smoke);
  }
  c.launch = [rows, cols](const Kernel &k, const Config &, const std::vector<DeviceBuffer> &b) {
    k.launch(Grid(rows), b[0], b[1], b[2], b[3], b[4], b[5], i32(cols), i32(cols),
             float(kLayerEps));
  };
  c.reference = [](int64_t, const RowValues &in, RowValues &out) { layerNormRef(in, out); };
  return c;
}

// --- LRPE ----------------------------------------------------------------------------------------

/// theta[h, i] = 10000^(-2 (h D + i) / (H D)), as TNL initializes it (LIGHTNING.md).
std::vector<float> lrpeTheta(int64_t heads, int64_t d) {
  std::vector<float> theta(size_t(heads * d));
  for (int64_t j = 0; j < heads * d; ++j)
    theta[size_t(j)] = float(std::pow(10000.0, -2.0 * double(j) / double(heads * d)));
  return theta;
}

/// The angle the kernel forms: f32 position times f32 theta, rounded to f32.
double lrpeAngle(int64_t t, double theta) { return double(float(double(t) * theta)); }

/// dtheta[head, 0:d] from all rows of that head (every batch), read back from the device.
void dthetaReference(const std::vector<DeviceBuffer> &buf, const std::vector<double> &theta,
                     int64_t b, int64_t h, int64_t n, int64_t d, int64_t head, double *out) {
  std::vector<double> cs(size_t(n * d)), sn(size_t(n * d));
  for (int64_t t = 0; t < n; ++t)
    for (int64_t i = 0; i < d; ++i) {
      double a = lrpeAngle(t, theta[size_t(head * d + i)]);
      cs[size_t(t * d + i)] = std::cos(a);
      sn[size_t(t * d + i)] = std::sin(a);
    }
  for (int64_t bi = 0; bi < b; ++bi) {
    int64_t bh = bi * h + head;
    std::vector<uint8_t> xb(size_t(n * d * 2)), gb(size_t(n * 2 * d * 2));
    buf[0].copyTo(xb.data(), xb.size(), size_t(bh * n * d * 2));
    buf[2].copyTo(gb.data(), gb.size(), size_t(bh * n * 2 * d * 2));
    std::vector<double> x = toDoubles(DType::BF16, xb), g = toDoubles(DType::BF16, gb);
    for (int64_t t = 0; t < n; ++t)
      for (int64_t i = 0; i < d; ++i) {
        size_t k = size_t(t * d + i);
        double g1 = g[size_t(t * 2 * d + i)], g2 = g[size_t(t * 2 * d + d + i)];
        out[i] += double(t) * x[k] * (g2 * cs[k] - g1 * sn[k]);
      }
  }
}

/// Rows are tokens of [b, h, n]: row r is head (r / n) % H at position r % n.
Case lrpe(bool backward, int64_t b, int64_t h, int64_t n, int64_t d, bool smoke) {
  const char *name = backward ? "lrpe_bwd" : "lrpe_fwd";
  Case c = rowCase(name, "tnl.tile", name, DType::BF16, b * h * n, d);
  c.shape = std::to_string(b) + "x" + std::to_string(h) + "x" + std::to_string(n) + "x" +
            std::to_string(d);
  TensorSpec theta = vector("theta", DType::F32, h * d, 0, 0);
  theta.fixed = lrpeTheta(h, d);
  if (backward)
    c.tensors = {matrix("x", DType::BF16, d, -2, 2), theta,
                 matrix("dout", DType::BF16, 2 * d, -1, 1), matrixOut("dx", DType::BF16, d),
                 vector("dtheta", DType::F32, h * d, 0, 0)};
  else
    c.tensors = {matrix("x", DType::BF16, d, -2, 2), theta, matrixOut("out", DType::BF16, 2 * d)};
  if (backward)
    c.tensors.back().output = true;

  std::vector<ConstMap> blocks;
  for (int64_t bn : smoke ? std::vector<int64_t>{8, 16} : std::vector<int64_t>{16, 32, 64})
    blocks.push_back({{"BLOCK_N", bn}});
  c.configs = sweep(blocks, {4, 8}, {{"H", h}, {"D", d}});
  c.defaultConfig = indexOf(c.configs, {{"BLOCK_N", 16}}, 4);

  c.launch = [b, h, n](const Kernel &k, const Config &cfg, const std::vector<DeviceBuffer> &buf) {
    Grid grid(b * h, cdiv(n, blockOf(cfg, "BLOCK_N")));
    if (buf.size() == 5)
      k.launch(grid, buf[0], buf[1], buf[2], buf[3], buf[4], i32(n), int32_t(0));
    else
      k.launch(grid, buf[0], buf[1], buf[2], i32(n), int32_t(0));
  };
  c.reference = [backward, h, n, d](int64_t row, const RowValues &in, RowValues &out) {
    int64_t head = (row / n) % h, t = row % n;
    const std::vector<double> &x = in[0], &th = in[1];
    for (int64_t i = 0; i < d; ++i) {
      double a = lrpeAngle(t, th[size_t(head * d + i)]), cs = std::cos(a), sn = std::sin(a);
      if (backward)
        out[0][size_t(i)] = in[2][size_t(i)] * cs + in[2][size_t(d + i)] * sn;
      else {
        out[0][size_t(i)] = x[size_t(i)] * cs;
        out[0][size_t(d + i)] = x[size_t(i)] * sn;
      }
    }
  };
  if (!backward)
    return c;

  c.beforeLaunch = [h, d](const Filler &fill, const std::vector<DeviceBuffer> &buf) {
    fill.zeros(buf[4], DType::F32, h * d);
  };
  // dtheta[h, i] = sum over b, t of t x (g2 cos - g1 sin), checked for the first head (the
  // largest angles) and the last, from all of their rows. The reference is computed once: the
  // inputs do not change within a case.
  auto expected = std::make_shared<std::vector<double>>(); // [head 0 | head h-1] x d
  c.extraCheck = [b, h, n, d, expected](const std::vector<DeviceBuffer> &buf) {
    const int64_t heads[2] = {0, h - 1};
    if (expected->empty()) {
      std::vector<double> th = toDoubles(DType::F32, buf[1].download<uint8_t>());
      expected->assign(size_t(2 * d), 0.0);
      for (int which = 0; which < 2; ++which)
        dthetaReference(buf, th, b, h, n, d, heads[which], expected->data() + which * d);
    }
    std::vector<double> got = toDoubles(DType::F32, buf[4].download<uint8_t>());
    double diff = 0, norm = 0;
    bool nan = false;
    for (int which = 0; which < 2; ++which)
      for (int64_t i = 0; i < d; ++i) {
        double g = got[size_t(heads[which] * d + i)], e = (*expected)[size_t(which * d + i)];
        nan = nan || std::isnan(g);
        diff += (g - e) * (g - e);
        norm += e * e;
      }
    return OutputCheck{"dtheta", nan ? std::nan("") : std::sqrt(diff / std::max(norm, 1e-300)),
                       1e-2};
  };
  return c;
}

} // namespace

std::vector<Case> memoryCases(bool smoke) {
  // (rows, cols) of the row-wise kernels: TNL-385M's width and a wide one.
  const std::vector<std::pair<int64_t, int64_t>> shapes =
      smoke ? std::vector<std::pair<int64_t, int64_t>>{{6, 96}, {5, 200}}
            : std::vector<std::pair<int64_t, int64_t>>{{262144, 1024}, {32768, 8192}};
  using Builder = Case (*)(int64_t, int64_t, bool);
  const Builder rowKernels[] = {
      [](int64_t r, int64_t c, bool s) { return softmax(false, r, c, s); },
      [](int64_t r, int64_t c, bool s) { return softmax(true, r, c, s); },
      srmsnormFwd, srmsnormBwd, gateFwd, gateBwd, siluFwd, siluBwd, sgluFwd, sgluBwd,
      [](int64_t r, int64_t c, bool s) { return layerNorm(false, r, c, s); }};

  std::vector<Case> cases;
  cases.push_back(smoke ? vectorAdd(10, 100, smoke) : vectorAdd(262144, 1024, smoke));
  for (Builder build : rowKernels)
    for (auto [rows, cols] : shapes)
      cases.push_back(build(rows, cols, smoke));
  // The shape at which issue 7 compared the tutorial's layer norm with Triton.
  cases.push_back(smoke ? layerNorm(false, 4, 200, smoke) : layerNorm(false, 4096, 8192, smoke));
  cases.push_back(smoke ? layerNorm(true, 4, 200, smoke) : layerNorm(true, 4096, 8192, smoke));
  for (bool backward : {false, true})
    cases.push_back(smoke ? lrpe(backward, 2, 2, 20, 16, smoke)
                          : lrpe(backward, 32, 8, 8192, 128, smoke));
  return cases;
}

} // namespace lacc::bench

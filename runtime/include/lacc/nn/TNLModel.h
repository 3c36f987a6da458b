//===- lacc/nn/TNLModel.h - a small TransNormerLLM language model -*- C++ -*-===//
//
//   tokens [b, n] -> embedding -> L TNL layers (TNLLayer.h; LRPE in layer 0) -> SRMSNorm
//                 -> LM head (D x V) -> fused softmax cross-entropy against targets [b, n]
//
// trained with AdamW over fp32 master weights (adamw.tile writes the bf16 copies the kernels
// compute with), all on lacc kernels through the runtime (TNLKernels.h). The forward keeps every
// layer's input and saved activations (TNLLayer.h's policy) for the backward that follows it in
// lossAndGradients(); the logits' gradient overwrites the logits in the same kernel that computes
// the loss, so the vocabulary-wide probabilities exist only as that gradient.
//
// generate() decodes greedily: one forward over the prompt that keeps every layer's attention
// state (lightning attention's state out), then one token at a time through each layer's decode
// step (lightning_decode.tile) with argmax on the device.
//
// save() writes a checkpoint (configuration, AdamW's step count, and each parameter's master
// weights and moments); load() restores one of the same configuration, after which training
// continues exactly as the saved run would have.
//
// Bad arguments are lacc::Error of Kind::Argument naming them ("tnl model ...").
//
//===----------------------------------------------------------------------===//

#ifndef LACC_NN_TNLMODEL_H
#define LACC_NN_TNLMODEL_H

#include "lacc/nn/TNLLayer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lacc::nn {

struct TNLModelConfig {
  int64_t vocab = 256; // V
  int64_t dim = 0;     // D
  int64_t heads = 0;   // H
  int64_t glu = 0;     // F; 0: roundup(8 D / 3, 256), TNL's choice (at least 16)
  int64_t layers = 0;  // L
  bool lrpe = true;    // LRPE in layer 0
  float eps = 1e-6f;
  uint64_t seed = 1;   // weight initialization

  int64_t gluWidth() const;
};

struct AdamWConfig {
  float lr = 1e-3f, b1 = 0.9f, b2 = 0.95f, eps = 1e-8f, weightDecay = 0.1f;
  /// Gradients are scaled by min(1, clip / ||g||), ||g|| the norm over every parameter; 0: never.
  float clip = 1.0f;
};

class TNLModel {
public:
  TNLModel(TNLKernels &kernels, const TNLModelConfig &config);

  const TNLModelConfig &config() const { return cfg_; }
  std::vector<Parameter *> parameters();
  int64_t parameterCount();

  /// Mean cross-entropy of predicting targets[b, t] from tokens[b, 0..t], both i32 [b * n] on the
  /// device (ids in [0, V); a target outside it is ignored). With backward, every parameter's
  /// grad is overwritten with the gradient of that mean.
  float lossAndGradients(const DeviceBuffer &tokens, const DeviceBuffer &targets, int64_t b,
                         int64_t n, bool backward = true);
  /// One AdamW step over every parameter from its grad (weight decay on matrices only, clipped by
  /// the global norm). Returns the gradient's global norm before clipping.
  float step(const AdamWConfig &opt);
  int64_t stepCount() const { return steps_; }

  /// `count` tokens continuing `prompt` (ids in [0, V)), greedy.
  std::vector<int32_t> generate(const std::vector<int32_t> &prompt, int64_t count);

  void save(const std::string &path);
  void load(const std::string &path);

private:
  void allocate(int64_t b, int64_t n);
  /// Embedding, layers, final norm and LM head over M = b n tokens into logits_.
  void forward(const DeviceBuffer &tokens, int64_t b, int64_t n, std::vector<DeviceBuffer> &xs,
               std::vector<TNLSaved> &saved, const std::vector<DeviceBuffer> *states);

  TNLKernels &k_;
  TNLModelConfig cfg_;
  Parameter embedding_, head_;
  std::vector<std::unique_ptr<TNLLayer>> layers_;
  int64_t steps_ = 0;
  int64_t b_ = 0, n_ = 0;
  std::vector<DeviceBuffer> xs_; // every layer's input, and the last layer's output
  std::vector<TNLSaved> saved_;
  DeviceBuffer hf_, rstdF_, logits_, grad_, losses_, loss_, norm_;
};

} // namespace lacc::nn

#endif // LACC_NN_TNLMODEL_H

// A row's margins into its outputs: each objective's transform (Forest::transform_row).
#include <algorithm>
#include <cmath>

#include "model/trees/forest.h"

namespace hone::model::trees {
namespace {

// ONNX Runtime's float formulas for ONNX-ML's post transforms.
float onnx_logistic(float m) {
  const float v = 1 / (1 + std::exp(-std::abs(m)));
  return m < 0 ? 1 - v : v;
}

float onnx_probit(float m) {
  // sqrt(2) * erfinv(2m - 1), erfinv by Winitzki's approximation with a = 0.147.
  float x = 2 * m - 1;
  const float sign = x < 0 ? -1.0F : 1.0F;
  x = (1 - x) * (1 + x);
  const float log = std::log(x);
  const float v = 2 / (3.14159F * 0.147F) + 0.5F * log;
  const float v2 = 1 / 0.147F * log;
  const float v3 = -v + std::sqrt(v * v - v2);
  return 1.41421356F * sign * std::sqrt(v3);
}

}  // namespace

// Turns a row's margins (after averaging and offsets) into its outputs.
template <typename T>
void Forest::transform_row(T* margin, float* target) const {
  const T scale = static_cast<T>(transform_scale_);
  switch (transform_) {
    case Transform::kIdentity:
      for (std::size_t k = 0; k < num_groups_; ++k) target[k] = static_cast<float>(margin[k]);
      break;
    case Transform::kSigmoid:
      for (std::size_t k = 0; k < num_groups_; ++k) {
        target[k] = static_cast<float>(T(1) / (T(1) + std::exp(-scale * margin[k])));
      }
      break;
    case Transform::kExp:
      for (std::size_t k = 0; k < num_groups_; ++k)
        target[k] = static_cast<float>(std::exp(margin[k]));
      break;
    case Transform::kLog1pExp:
      for (std::size_t k = 0; k < num_groups_; ++k)
        target[k] = static_cast<float>(std::log1p(std::exp(margin[k])));
      break;
    case Transform::kSignedSquare:
      for (std::size_t k = 0; k < num_groups_; ++k) {
        const T m = margin[k];
        const T sign = static_cast<T>((m > T(0)) - (m < T(0)));
        target[k] = static_cast<float>(sign * m * m);
      }
      break;
    case Transform::kLogistic:
      for (std::size_t k = 0; k < num_groups_; ++k)
        target[k] = onnx_logistic(static_cast<float>(margin[k]));
      break;
    case Transform::kProbit:
      for (std::size_t k = 0; k < num_groups_; ++k)
        target[k] = onnx_probit(static_cast<float>(margin[k]));
      break;
    case Transform::kBinaryShare: {
      const auto share = static_cast<float>(margin[0]);
      target[0] = 1 - share;
      target[1] = share;
      break;
    }
    case Transform::kBinaryLogistic: {
      const auto m = static_cast<float>(margin[0]);
      target[0] = onnx_logistic(-m);
      target[1] = onnx_logistic(m);
      break;
    }
    case Transform::kSoftmaxZero: {
      // As ONNX Runtime: a margin of (nearly) 0 stays 0 instead of becoming exp(0 - top).
      T top = margin[0];
      for (std::size_t k = 1; k < num_groups_; ++k) top = std::max(top, margin[k]);
      const T below = std::exp(-top);
      T sum = 0;
      for (std::size_t k = 0; k < num_groups_; ++k) {
        if (margin[k] > T(1e-7) || margin[k] < T(-1e-7)) {
          margin[k] = std::exp(margin[k] - top);
          sum += margin[k];
        } else {
          margin[k] *= below;
        }
      }
      for (std::size_t k = 0; k < num_groups_; ++k) target[k] = static_cast<float>(margin[k] / sum);
      break;
    }
    case Transform::kSoftprob:
    case Transform::kSoftmax: {
      T top = margin[0];
      std::size_t best = 0;
      for (std::size_t k = 1; k < num_groups_; ++k) {
        if (margin[k] > top) {
          top = margin[k];
          best = k;
        }
      }
      if (transform_ == Transform::kSoftmax) {
        target[0] = static_cast<float>(best);
        break;
      }
      T sum = 0;
      for (std::size_t k = 0; k < num_groups_; ++k) {
        margin[k] = std::exp(margin[k] - top);
        sum += margin[k];
      }
      for (std::size_t k = 0; k < num_groups_; ++k) target[k] = static_cast<float>(margin[k] / sum);
      break;
    }
  }
}

template void Forest::transform_row<float>(float* margin, float* target) const;
template void Forest::transform_row<double>(double* margin, float* target) const;

}  // namespace hone::model::trees

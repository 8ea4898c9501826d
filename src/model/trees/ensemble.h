// What a model file says, read into one form that every reader (XGBoost JSON, LightGBM text,
// ONNX-ML) fills and the native engine (Forest) compiles. A reader turns its format's rules into
// these exactly: a numerical split is "right when x >= threshold" on float inputs whatever
// comparison the format wrote, a missing value follows default_left, and a format's own treatment
// of missing values or zeros becomes a per-feature rule applied to the row first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hone::model::trees {

// What turns a row's margins into its outputs.
enum class Transform {
  kIdentity,
  kSigmoid,       // 1 / (1 + exp(-scale * m)), one output per margin
  kExp,           // exp(m)
  kSoftprob,      // softmax over the groups: one probability per class
  kSoftmax,       // the index of the largest margin
  kLog1pExp,      // log(1 + exp(m))
  kSignedSquare,  // sign(m) * m * m
  // ONNX-ML's post transforms, computed in float as ONNX Runtime computes them:
  kLogistic,     // 1 / (1 + exp(-|m|)), taken from 1 for a negative m
  kSoftmaxZero,  // softmax over the groups that leaves a margin of 0 at 0
  kProbit,       // sqrt(2) * erfinv(2m - 1), by Winitzki's approximation (a = 0.147)
  // A binary classifier's one margin s as two probabilities: [1 - s, s] (its leaves are class 1's
  // probability), or [logistic(-s), logistic(s)].
  kBinaryShare,
  kBinaryLogistic,
};

// How the trees' values for one output are combined.
enum class Aggregate : std::uint8_t { kSum, kMin, kMax };

// How a feature's value is read before any split sees it.
// LightGBM's predictor reads |x| <= 1e-35 as 0 before any split sees it.
enum class InputRule : std::uint8_t {
  kAsIs,
  kTinyIsZero,     // |x| <= 1e-35 becomes 0
  kMissingIsZero,  // NaN and |x| <= 1e-35 become 0
  kZeroIsMissing,  // NaN and |x| <= 1e-35 become missing
};

struct TreeNode {
  std::int32_t left = -1;  // children, as indices in the tree; -1 for a leaf
  std::int32_t right = -1;
  std::uint32_t feature = 0;
  float threshold = 0;        // numerical split: right when x >= threshold
  bool default_left = false;  // where a missing value goes
  // Categorical split: index in Ensemble::category_sets; left when the value (truncated to an
  // integer, non-negative) is in the set; missing and negative values go right. -1: numerical.
  std::int32_t categories = -1;
  // Membership split (ONNX-ML's BRANCH_MEMBER): index in Ensemble::member_sets; left when the
  // value equals a member; missing values follow default_left.
  std::int32_t members = -1;
  bool equal = false;  // left when x == threshold (a NaN threshold: never); else as above
  double value = 0;    // a leaf's value
  // The training data's weight that reached the node (XGBoost's sum of hessians, LightGBM's
  // count), which explanations need; negative when the file does not say.
  double cover = -1;
  std::int32_t linear = -1;  // a leaf's linear model in Ensemble::linear_leaves, or -1
};

struct Tree {
  std::vector<TreeNode> nodes;  // node 0 is the root
  std::uint32_t group = 0;      // the output margin it adds to
};

// value = constant + sum(coefficients[i] * x[features[i]]); the leaf's own value instead when one
// of those features is missing.
struct LinearLeaf {
  double constant = 0;
  std::vector<std::uint32_t> features;
  std::vector<double> coefficients;
};

struct Ensemble {
  std::string objective;  // as the file names it
  std::size_t num_features = 0;
  std::size_t num_groups = 1;
  std::vector<Tree> trees;
  std::vector<std::vector<std::uint32_t>> category_sets;  // bitsets, 32 categories per word
  std::vector<std::vector<float>> member_sets;
  std::vector<LinearLeaf> linear_leaves;
  std::vector<InputRule> input_rules;  // per feature; empty when every feature is read as is
  // Margins start here; with `wide` they and the leaves are doubles (LightGBM), otherwise floats
  // summed in the file's tree order (XGBoost), to match each library to the rounding.
  double base_margin = 0;
  bool wide = false;
  double average_over = 0;  // when > 0, margins are divided by it (random forests)
  // kMin / kMax: each output is the least / greatest value its trees give (a NaN leaf gives
  // none; an output no tree gives is 0). Then offsets are added, per output group.
  Aggregate aggregate = Aggregate::kSum;
  std::vector<double> offsets;  // empty or one per group
  Transform transform = Transform::kIdentity;
  double transform_scale = 1;  // the sigmoid's
  std::vector<std::string> feature_names;
  // Per feature, the names of its categories (code i is the i-th name); empty for the others.
  // Empty when the file names none.
  std::vector<std::vector<std::string>> category_names;
  std::string input_name;   // the file's name for the input; empty when it names none
  std::string output_name;  // the file's name for the output; empty: named by the transform
  // A classifier's labels, one per output column (integers written in decimal when
  // integer_labels); empty for other models.
  std::vector<std::string> class_labels;
  bool integer_labels = false;
};

}  // namespace hone::model::trees

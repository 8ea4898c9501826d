#include "model/trees/lightgbm_reader.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <map>

namespace hone::model::trees {
namespace {

constexpr std::int64_t kMaxFeatures = std::int64_t{1} << 24;
constexpr std::int64_t kMaxLeaves = std::int64_t{1} << 24;
constexpr std::int64_t kMaxClasses = std::int64_t{1} << 16;

// decision_type bits, as LightGBM's tree.h defines them.
constexpr int kCategoricalMask = 1;
constexpr int kDefaultLeftMask = 2;
enum MissingType { kNone = 0, kZero = 1, kNaN = 2 };

std::vector<std::string_view> tokens(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

Result<double> parse_double(std::string_view token) {
  double value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size()) {
    return fail("'" + std::string(token.substr(0, 40)) + "' is not a number");
  }
  return value;
}

Result<std::int64_t> parse_integer(std::string_view token) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size()) {
    return fail("'" + std::string(token.substr(0, 40)) + "' is not an integer");
  }
  return value;
}

// A block's "key=value" lines.
using Fields = std::map<std::string, std::string_view, std::less<>>;

class FieldReader {
 public:
  explicit FieldReader(const Fields& fields) : fields_(fields) {}

  bool has(std::string_view key) const { return fields_.find(key) != fields_.end(); }

  template <typename T, typename Parse>
  Result<std::vector<T>> list(std::string_view key, std::size_t count, Parse parse) const {
    const auto it = fields_.find(key);
    if (it == fields_.end()) return fail("no '" + std::string(key) + "'");
    const auto items = tokens(it->second);
    if (items.size() != count) {
      return fail("'" + std::string(key) + "' holds " + std::to_string(items.size()) +
                  " values, not " + std::to_string(count));
    }
    std::vector<T> out;
    out.reserve(count);
    for (const auto item : items) {
      auto value = parse(item);
      if (!value) return fail("'" + std::string(key) + "': " + value.error().message);
      out.push_back(static_cast<T>(*value));
    }
    return out;
  }
  Result<std::vector<double>> doubles(std::string_view key, std::size_t count) const {
    return list<double>(key, count, parse_double);
  }
  Result<std::vector<std::int64_t>> integers(std::string_view key, std::size_t count) const {
    return list<std::int64_t>(key, count, parse_integer);
  }
  Result<std::int64_t> integer(std::string_view key) const {
    auto one = integers(key, 1);
    if (!one) return one.error();
    return one->front();
  }

 private:
  const Fields& fields_;
};

// The float split "right when x >= it" that sends a float x left exactly when x <= t, as LightGBM
// compares (double)x with its double threshold t.
float right_from(double t) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  if (std::isnan(t)) return -kInf;  // x <= NaN never holds: every value goes right
  if (t == std::numeric_limits<double>::infinity()) return std::nanf("");  // every value left
  constexpr double kMax = std::numeric_limits<float>::max();
  float below = t > kMax ? kInf : t < -kMax ? -kInf : static_cast<float>(t);
  if (static_cast<double>(below) > t) below = std::nextafter(below, -kInf);
  return std::nextafter(below, kInf);  // the least float above t
}

struct Objective {
  Transform transform = Transform::kIdentity;
  double scale = 1;
};

Result<Objective> read_objective(std::string_view text) {
  const auto parts = tokens(text);
  Objective out;
  if (parts.empty()) return out;
  const std::string_view type = parts.front();
  bool sqrt = false;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (parts[i] == "sqrt") sqrt = true;
    if (parts[i].substr(0, 8) == "sigmoid:") {
      auto scale = parse_double(parts[i].substr(8));
      if (!scale || !(*scale > 0) || !std::isfinite(*scale))
        return fail("bad sigmoid in objective");
      out.scale = *scale;
    }
  }
  if (type == "binary" || type == "multiclassova" || type == "cross_entropy") {
    out.transform = Transform::kSigmoid;
    if (type == "cross_entropy") out.scale = 1;
  } else if (type == "multiclass") {
    out.transform = Transform::kSoftprob;
  } else if (type == "cross_entropy_lambda") {
    out.transform = Transform::kLog1pExp;
  } else if (type == "poisson" || type == "gamma" || type == "tweedie") {
    out.transform = Transform::kExp;
  } else if (sqrt && (type == "regression" || type == "regression_l1" || type == "quantile" ||
                      type == "fair" || type == "mape")) {
    out.transform = Transform::kSignedSquare;  // LightGBM disables sqrt for the others
  }
  return out;
}

// Splits the text into lines, without their '\r'.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

// The python package's last line, "pandas_categorical:[[names of the first categorical column's
// categories], ...]" (or null), gives the categorical features (those feature_infos lists by
// category, in order) their names: code i is the i-th name. Numbers are named by their JSON text.
Status read_pandas_categorical(const std::vector<std::string_view>& lines, const Fields& header,
                               Ensemble& ensemble) {
  constexpr std::string_view kKey = "pandas_categorical:";
  std::string_view json;
  for (auto it = lines.rbegin(); it != lines.rend() && json.empty(); ++it) {
    if (it->substr(0, kKey.size()) == kKey) json = it->substr(kKey.size());
    if (*it == "end of trees") break;
  }
  if (json.empty() || json == "null") return {};
  simdjson::dom::parser parser;
  simdjson::dom::array columns;
  if (parser.parse(json.data(), json.size()).get_array().get(columns) != simdjson::SUCCESS)
    return fail("pandas_categorical is not a JSON list");
  std::vector<std::size_t> categorical;
  if (const auto infos = header.find("feature_infos"); infos != header.end()) {
    const auto items = tokens(infos->second);
    for (std::size_t f = 0; f < items.size(); ++f) {
      if (items[f] != "none" && items[f].front() != '[') categorical.push_back(f);
    }
  }
  if (categorical.size() != columns.size()) {
    return fail("pandas_categorical names " + std::to_string(columns.size()) +
                " categorical columns but feature_infos has " + std::to_string(categorical.size()));
  }
  ensemble.category_names.assign(ensemble.num_features, {});
  std::size_t column = 0;
  for (const simdjson::dom::element names : columns) {
    simdjson::dom::array list;
    if (names.get_array().get(list) != simdjson::SUCCESS)
      return fail("pandas_categorical holds a column that is not a list");
    auto& out = ensemble.category_names[categorical[column++]];
    for (const simdjson::dom::element name : list) {
      std::string_view text;
      if (name.get_string().get(text) == simdjson::SUCCESS) {
        out.emplace_back(text);
      } else {
        out.push_back(simdjson::minify(name));
      }
    }
  }
  return {};
}

class Reader {
 public:
  explicit Reader(Ensemble& ensemble) : ensemble_(ensemble) {
    rules_.assign(ensemble.num_features, kUnset);
  }

  Status read_tree(const Fields& fields, std::uint32_t group);
  void finish();

 private:
  static constexpr int kUnset = -1;
  static constexpr int kCategorical = 3;
  Status use_feature(std::uint32_t feature, int rule);

  Ensemble& ensemble_;
  std::vector<int> rules_;  // per feature: its missing type, kCategorical, or kUnset
};

// Every split on a feature must read it the same way, since the rule applies to the row.
Status Reader::use_feature(std::uint32_t feature, int rule) {
  int& seen = rules_[feature];
  if (seen != kUnset && seen != rule) {
    return fail("feature " + std::to_string(feature) +
                " is split with different missing-value types or both as a number and a category");
  }
  seen = rule;
  return {};
}

Status Reader::read_tree(const Fields& fields, std::uint32_t group) {
  const FieldReader field(fields);
  auto num_leaves = field.integer("num_leaves");
  if (!num_leaves) return num_leaves.error();
  if (*num_leaves < 1 || *num_leaves > kMaxLeaves) return fail("bad num_leaves");
  const auto leaves = static_cast<std::size_t>(*num_leaves);
  const std::size_t inner = leaves - 1;
  auto values = field.doubles("leaf_value", leaves);
  if (!values) return values.error();
  bool linear = false;
  if (field.has("is_linear")) {
    auto flag = field.integer("is_linear");
    if (!flag) return flag.error();
    linear = *flag != 0;
  }
  Tree tree;
  tree.group = group;
  tree.nodes.resize(inner + leaves);
  for (std::size_t i = 0; i < leaves; ++i) tree.nodes[inner + i].value = (*values)[i];
  if (field.has("leaf_count")) {  // explanations weigh the paths by these
    auto counts = field.doubles("leaf_count", leaves);
    if (!counts) return counts.error();
    for (std::size_t i = 0; i < leaves; ++i) tree.nodes[inner + i].cover = (*counts)[i];
  }
  if (inner > 0 && field.has("internal_count")) {
    auto counts = field.doubles("internal_count", inner);
    if (!counts) return counts.error();
    for (std::size_t i = 0; i < inner; ++i) tree.nodes[i].cover = (*counts)[i];
  }
  if (linear) {
    auto constants = field.doubles("leaf_const", leaves);
    auto counts = field.integers("num_features", leaves);
    if (!constants) return constants.error();
    if (!counts) return counts.error();
    std::size_t total = 0;
    for (const auto count : *counts) {
      if (count < 0 || count > kMaxFeatures) return fail("bad num_features");
      total += static_cast<std::size_t>(count);
    }
    Result<std::vector<std::int64_t>> features = std::vector<std::int64_t>{};
    Result<std::vector<double>> coefficients = std::vector<double>{};
    if (total > 0) {
      features = field.integers("leaf_features", total);
      coefficients = field.doubles("leaf_coeff", total);
    }
    if (!features) return features.error();
    if (!coefficients) return coefficients.error();
    std::size_t at = 0;
    for (std::size_t i = 0; i < leaves; ++i) {
      LinearLeaf model;
      model.constant = (*constants)[i];
      for (std::int64_t k = 0; k < (*counts)[i]; ++k, ++at) {
        const std::int64_t feature = (*features)[at];
        if (feature < 0 || static_cast<std::size_t>(feature) >= ensemble_.num_features)
          return fail("a linear leaf reads feature " + std::to_string(feature));
        model.features.push_back(static_cast<std::uint32_t>(feature));
        model.coefficients.push_back((*coefficients)[at]);
      }
      tree.nodes[inner + i].linear = static_cast<std::int32_t>(ensemble_.linear_leaves.size());
      ensemble_.linear_leaves.push_back(std::move(model));
    }
  }
  if (leaves == 1) {
    ensemble_.trees.push_back(std::move(tree));
    return {};
  }
  auto split_feature = field.integers("split_feature", inner);
  auto threshold = field.doubles("threshold", inner);
  auto left = field.integers("left_child", inner);
  auto right = field.integers("right_child", inner);
  if (!split_feature) return split_feature.error();
  if (!threshold) return threshold.error();
  if (!left) return left.error();
  if (!right) return right.error();
  std::vector<std::int64_t> decision(inner, 0);
  if (field.has("decision_type")) {
    auto read = field.integers("decision_type", inner);
    if (!read) return read.error();
    decision = std::move(*read);
  }
  std::vector<std::int64_t> boundaries;
  std::vector<std::int64_t> words;
  auto num_cat = field.has("num_cat") ? field.integer("num_cat") : Result<std::int64_t>(0);
  if (!num_cat) return num_cat.error();
  if (*num_cat < 0 || *num_cat > kMaxLeaves) return fail("bad num_cat");
  if (*num_cat > 0) {
    auto read = field.integers("cat_boundaries", static_cast<std::size_t>(*num_cat) + 1);
    if (!read) return read.error();
    boundaries = std::move(*read);
    const std::int64_t last = boundaries.back();
    if (boundaries.front() != 0 || last < 0 || last > kMaxLeaves * 64) {
      return fail("bad cat_boundaries");
    }
    for (std::size_t k = 1; k < boundaries.size(); ++k) {
      if (boundaries[k] < boundaries[k - 1]) return fail("bad cat_boundaries");
    }
    auto bits = field.integers("cat_threshold", static_cast<std::size_t>(last));
    if (!bits) return bits.error();
    words = std::move(*bits);
  }
  const auto first_set = static_cast<std::int64_t>(ensemble_.category_sets.size());
  for (std::size_t k = 0; k + 1 < boundaries.size(); ++k) {
    std::vector<std::uint32_t> set;
    for (auto w = boundaries[k]; w < boundaries[k + 1]; ++w) {
      if (words[w] < 0 || words[w] > 0xFFFFFFFFLL) return fail("bad cat_threshold");
      set.push_back(static_cast<std::uint32_t>(words[w]));
    }
    ensemble_.category_sets.push_back(std::move(set));
  }
  const auto child = [&](std::int64_t index) -> Result<std::int32_t> {
    // A negative child is a leaf, written as ~leaf.
    if (index >= 0 && static_cast<std::size_t>(index) < inner)
      return static_cast<std::int32_t>(index);
    if (index < 0 && static_cast<std::size_t>(~index) < leaves)
      return static_cast<std::int32_t>(inner + static_cast<std::size_t>(~index));
    return fail("child " + std::to_string(index) + " out of range");
  };
  for (std::size_t i = 0; i < inner; ++i) {
    TreeNode& node = tree.nodes[i];
    auto l = child((*left)[i]);
    auto r = child((*right)[i]);
    if (!l) return l.error();
    if (!r) return r.error();
    node.left = *l;
    node.right = *r;
    const std::int64_t feature = (*split_feature)[i];
    if (feature < 0 || static_cast<std::size_t>(feature) >= ensemble_.num_features)
      return fail("split on feature " + std::to_string(feature) + " of a " +
                  std::to_string(ensemble_.num_features) + "-feature model");
    node.feature = static_cast<std::uint32_t>(feature);
    const std::int64_t type = decision[i];
    if (type < 0 || type > 127) return fail("bad decision_type");
    node.default_left = (type & kDefaultLeftMask) != 0;
    if ((type & kCategoricalMask) != 0) {
      const double index = (*threshold)[i];
      if (!(index >= 0) || index >= static_cast<double>(*num_cat) || index != std::floor(index))
        return fail("a categorical split names category set " + std::to_string(index));
      node.categories = static_cast<std::int32_t>(first_set + static_cast<std::int64_t>(index));
      if (Status used = use_feature(node.feature, kCategorical); !used) return used;
      continue;
    }
    const int missing = static_cast<int>((type >> 2) & 3);
    if (missing > kNaN) return fail("bad missing type in decision_type");
    if (Status used = use_feature(node.feature, missing); !used) return used;
    node.threshold = right_from((*threshold)[i]);
  }
  ensemble_.trees.push_back(std::move(tree));
  return {};
}

void Reader::finish() {
  // Features no split reads stay as they are (a linear leaf reads the row as sent).
  std::vector<InputRule> rules(rules_.size(), InputRule::kAsIs);
  for (std::size_t f = 0; f < rules_.size(); ++f) {
    if (rules_[f] == kNone) rules[f] = InputRule::kMissingIsZero;
    if (rules_[f] == kZero) rules[f] = InputRule::kZeroIsMissing;
    if (rules_[f] == kNaN || rules_[f] == kCategorical) rules[f] = InputRule::kTinyIsZero;
  }
  ensemble_.input_rules = std::move(rules);
}

}  // namespace

bool looks_like_lightgbm(std::string_view text) {
  return text.substr(0, 5) == "tree\n" || text.substr(0, 6) == "tree\r\n";
}

Result<Ensemble> read_lightgbm_text(const std::string& text, const std::string& name) {
  const auto bad = [&name](const std::string& why) {
    return fail(name + ": LightGBM model: " + why);
  };
  if (!looks_like_lightgbm(text)) return bad("the file does not start with 'tree'");
  const auto lines = lines_of(text);
  std::size_t at = 1;
  Fields header;
  for (; at < lines.size() && lines[at].substr(0, 5) != "Tree="; ++at) {
    const auto line = lines[at];
    if (line.empty()) continue;
    if (line == "end of trees") break;
    const auto eq = line.find('=');
    header[std::string(line.substr(0, eq))] =
        eq == std::string_view::npos ? std::string_view() : line.substr(eq + 1);
  }
  const FieldReader head(header);
  auto max_feature = head.integer("max_feature_idx");
  if (!max_feature) return bad(max_feature.error().message);
  if (*max_feature < 0 || *max_feature >= kMaxFeatures) return bad("bad max_feature_idx");
  auto per_iteration = head.has("num_tree_per_iteration") ? head.integer("num_tree_per_iteration")
                                                          : head.integer("num_class");
  if (!per_iteration) return bad(per_iteration.error().message);
  if (*per_iteration < 1 || *per_iteration > kMaxClasses) return bad("bad num_tree_per_iteration");
  Ensemble ensemble;
  ensemble.wide = true;
  ensemble.num_features = static_cast<std::size_t>(*max_feature) + 1;
  ensemble.num_groups = static_cast<std::size_t>(*per_iteration);
  const auto objective = header.find("objective");
  if (objective != header.end()) {
    ensemble.objective = std::string(objective->second);
    auto spec = read_objective(objective->second);
    if (!spec) return bad(spec.error().message);
    ensemble.transform = spec->transform;
    ensemble.transform_scale = spec->scale;
  }
  if (const auto names = header.find("feature_names"); names != header.end()) {
    for (const auto feature : tokens(names->second)) ensemble.feature_names.emplace_back(feature);
    if (ensemble.feature_names.size() != ensemble.num_features)
      return bad("feature_names does not name every feature");
  }
  Reader reader(ensemble);
  while (at < lines.size() && lines[at].substr(0, 5) == "Tree=") {
    const std::string where = "tree " + std::to_string(ensemble.trees.size()) + ": ";
    Fields fields;
    for (++at; at < lines.size() && !lines[at].empty(); ++at) {
      const auto line = lines[at];
      const auto eq = line.find('=');
      if (eq == std::string_view::npos) return bad(where + "line without '='");
      fields[std::string(line.substr(0, eq))] = line.substr(eq + 1);
    }
    const auto group = static_cast<std::uint32_t>(ensemble.trees.size() % ensemble.num_groups);
    if (Status read = reader.read_tree(fields, group); !read)
      return bad(where + read.error().message);
    while (at < lines.size() && lines[at].empty()) ++at;
  }
  if (at >= lines.size() || lines[at] != "end of trees")
    return bad("the trees do not end with 'end of trees' (a cut file?)");
  if (ensemble.trees.empty()) return bad("the model has no trees");
  if (header.count("average_output") != 0U) {
    ensemble.average_over = static_cast<double>(ensemble.trees.size() / ensemble.num_groups);
  }
  reader.finish();
  if (Status named = read_pandas_categorical(lines, header, ensemble); !named)
    return bad(named.error().message);
  return ensemble;
}

}  // namespace hone::model::trees

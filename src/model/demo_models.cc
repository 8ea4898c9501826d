#include "model/demo_models.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>

#include "model/model_config.h"

namespace hone::model {
namespace fs = std::filesystem;
namespace {

// Why the demo models do not batch, written into their config.yaml.
constexpr const char* kNoBatching =
    "# No batching: backend auto runs this model on the native engine, where a row costs about a\n"
    "# microsecond, less than a batch's hand-off to its worker; with batching on, single-row\n"
    "# requests were answered 12-48% slower (bench/demo_batching.sh in hone's sources). Batching\n"
    "# pays on libxgboost and remote models, whose fixed cost per call it shares.\n";

// std::mt19937_64's output is fixed by the standard; the std distributions are not, so the
// conversions to uniform and normal numbers are written out here.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  double normal(double mean, double sd) {
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }
  double lognormal(double mu, double sigma) { return std::exp(normal(mu, sigma)); }
  bool chance(double p) { return uniform() < p; }
  int integer(int low, int high) { return low + static_cast<int>(uniform() * (high - low + 1)); }

 private:
  std::mt19937_64 engine_;
};

const std::vector<std::string> kCeramicFeatures = {
    "al2o3_wt_pct",      "sic_wt_pct",    "b4c_wt_pct",      "tib2_wt_pct",
    "sinter_aid_wt_pct", "sinter_temp_c", "dwell_time_h",    "hot_press_mpa",
    "grain_size_um",     "porosity_pct",  "rel_density_pct", "cooling_rate_c_min"};

const std::vector<std::string> kFraudFeatures = {"amount_usd",
                                                 "hour_of_day",
                                                 "day_of_week",
                                                 "merchant_category",
                                                 "merchant_risk",
                                                 "distance_home_km",
                                                 "distance_last_km",
                                                 "secs_since_last",
                                                 "txn_count_1h",
                                                 "txn_count_24h",
                                                 "amount_to_avg_ratio",
                                                 "avg_amount_30d",
                                                 "card_present",
                                                 "chip_used",
                                                 "pin_used",
                                                 "online",
                                                 "foreign_country",
                                                 "new_device",
                                                 "account_age_days",
                                                 "card_age_days",
                                                 "failed_logins_24h",
                                                 "address_mismatch",
                                                 "email_domain_risk",
                                                 "ip_risk",
                                                 "customer_age_years",
                                                 "credit_limit_usd",
                                                 "utilization_pct",
                                                 "chargebacks_12m",
                                                 "velocity_usd_24h",
                                                 "device_trust"};

void ceramic_row(Random& r, float* x, float& label) {
  // Composition: a main phase plus additions, normalised to 100 wt%.
  double parts[5] = {r.uniform(0, 1), r.uniform(0, 1), r.uniform(0, 0.8), r.uniform(0, 0.5),
                     r.uniform(0, 0.12)};
  parts[r.integer(0, 3)] += 1.5;
  double total = 0;
  for (const double p : parts) total += p;
  for (int i = 0; i < 5; ++i) x[i] = static_cast<float>(100 * parts[i] / total);
  const double temp = r.uniform(1400, 2200);
  const double dwell = r.uniform(0.5, 8);
  const double press = r.chance(0.4) ? r.uniform(10, 60) : 0;
  const double grain = std::max(0.3, r.lognormal(std::log(2 + (temp - 1400) / 200), 0.35));
  const double aid = x[4];
  // Densification improves with temperature, time, pressure and sintering aid.
  const double drive = (temp - 1400) / 800 + 0.1 * dwell + press / 60 + aid / 10;
  const double porosity = std::clamp(9 * std::exp(-1.6 * drive) + r.normal(0, 0.4), 0.0, 15.0);
  x[5] = static_cast<float>(temp);
  x[6] = static_cast<float>(dwell);
  x[7] = static_cast<float>(press);
  x[8] = static_cast<float>(grain);
  x[9] = static_cast<float>(porosity);
  x[10] = static_cast<float>(100 - porosity + r.normal(0, 0.2));
  x[11] = static_cast<float>(r.uniform(2, 50));
  // Rule of mixtures, Rice's porosity law, Hall-Petch and a little thermal-shock penalty.
  const double mix = (16 * x[0] + 25 * x[1] + 30 * x[2] + 25 * x[3] + 6 * x[4]) / 100;
  const double hardness = mix * std::exp(-0.06 * porosity) + 2.2 / std::sqrt(grain) -
                          0.02 * std::max(0.0, x[11] - 30.0) + r.normal(0, 0.4);
  label = static_cast<float>(hardness);
}

void fraud_row(Random& r, float* x, float& label) {
  const double avg = r.lognormal(std::log(60), 0.6);
  const bool fraud_pattern = r.chance(0.04);
  const double ratio = fraud_pattern ? r.lognormal(1.2, 0.8) : r.lognormal(0, 0.5);
  const bool online = r.chance(fraud_pattern ? 0.75 : 0.35);
  const bool present = !online;
  const double values[30] = {
      avg * ratio,
      static_cast<double>(fraud_pattern && r.chance(0.5) ? r.integer(0, 5) : r.integer(0, 23)),
      static_cast<double>(r.integer(0, 6)),
      static_cast<double>(r.integer(0, 17)),
      r.uniform(0, fraud_pattern ? 1.0 : 0.6),
      r.lognormal(fraud_pattern ? 4.5 : 2.5, 1.0),
      r.lognormal(fraud_pattern ? 4.0 : 2.0, 1.2),
      r.lognormal(fraud_pattern ? 5.0 : 9.0, 1.5),
      static_cast<double>(fraud_pattern ? r.integer(1, 9) : r.integer(0, 2)),
      static_cast<double>(fraud_pattern ? r.integer(3, 30) : r.integer(0, 8)),
      ratio,
      avg,
      present ? 1.0 : 0.0,
      present && r.chance(0.9) ? 1.0 : 0.0,
      present && r.chance(0.6) ? 1.0 : 0.0,
      online ? 1.0 : 0.0,
      r.chance(fraud_pattern ? 0.35 : 0.05) ? 1.0 : 0.0,
      r.chance(fraud_pattern ? 0.5 : 0.05) ? 1.0 : 0.0,
      r.uniform(fraud_pattern ? 1 : 30, 3650),
      r.uniform(1, 1800),
      static_cast<double>(fraud_pattern ? r.integer(0, 6) : r.integer(0, 1)),
      r.chance(fraud_pattern ? 0.4 : 0.08) ? 1.0 : 0.0,
      r.uniform(0, fraud_pattern ? 1.0 : 0.5),
      r.uniform(0, fraud_pattern ? 1.0 : 0.4),
      r.uniform(18, 85),
      500 * std::round(r.uniform(1, 40)),
      r.uniform(0, 100),
      static_cast<double>(r.chance(fraud_pattern ? 0.3 : 0.03) ? r.integer(1, 3) : 0),
      avg * ratio * (fraud_pattern ? r.uniform(2, 12) : r.uniform(1, 4)),
      r.uniform(fraud_pattern ? 0 : 0.3, 1)};
  for (int i = 0; i < 30; ++i) x[i] = static_cast<float>(values[i]);
  // Like real logs, some fields are often absent.
  if (r.chance(0.08)) x[6] = std::nanf("");
  if (r.chance(0.1)) x[29] = std::nanf("");
  if (r.chance(0.05)) x[22] = std::nanf("");
  const double logit = -3.6 + 2.2 * fraud_pattern + 0.9 * x[16] + 1.1 * x[17] +
                       1.8 * (x[23] - 0.3) + 0.5 * std::log(ratio) + 0.4 * x[21] - 0.7 * x[13] +
                       r.normal(0, 0.5);
  label = r.uniform() < 1 / (1 + std::exp(-logit)) ? 1.0F : 0.0F;
}

Status write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  if (!out) return fail(path.string() + ": cannot write");
  return {};
}

}  // namespace

std::vector<std::string> demo_model_names() { return {"ceramic-armor", "fraud-detector"}; }

Result<TrainingSet> demo_dataset(const std::string& name, std::size_t rows, std::uint64_t seed) {
  TrainingSet set;
  const bool ceramic = name == "ceramic-armor";
  if (!ceramic && name != "fraud-detector") return fail("no demo model named '" + name + "'");
  set.feature_names = ceramic ? kCeramicFeatures : kFraudFeatures;
  set.cols = set.feature_names.size();
  set.rows = rows;
  set.features.resize(rows * set.cols);
  set.labels.resize(rows);
  Random random(seed);
  for (std::size_t i = 0; i < rows; ++i) {
    float* row = set.features.data() + i * set.cols;
    if (ceramic) {
      ceramic_row(random, row, set.labels[i]);
    } else {
      fraud_row(random, row, set.labels[i]);
    }
  }
  return set;
}

Status write_demo_models(const std::string& out_dir) {
  struct Recipe {
    std::string name;
    std::string description;
    std::size_t rows;
    TrainingParams params;
  };
  const std::vector<Recipe> recipes = {
      {"ceramic-armor",
       "Vickers hardness (GPa) of an armour ceramic from its composition and processing",
       20000,
       {{{"objective", "reg:squarederror"},
         {"max_depth", "6"},
         {"eta", "0.1"},
         {"tree_method", "hist"}},
        100}},
      {"fraud-detector",
       "Probability that a card transaction is fraudulent (missing fields allowed as null)",
       30000,
       {{{"objective", "binary:logistic"},
         {"max_depth", "5"},
         {"eta", "0.1"},
         {"tree_method", "hist"},
         {"eval_metric", "auc"}},
        100}},
  };
  for (const auto& recipe : recipes) {
    const fs::path dir = fs::path(out_dir) / recipe.name;
    std::error_code error;
    fs::create_directories(dir, error);
    if (error) return fail(dir.string() + ": " + error.message());
    auto data = demo_dataset(recipe.name, recipe.rows, 42);
    if (!data) return data.error();
    const std::string artifact = (dir / "model.json").string();
    if (auto s = train_xgboost(*data, recipe.params, artifact); !s) return s;
    // The native engine where it supports the model (these it does), libxgboost otherwise.
    ModelConfig config = config_for_artifact(recipe.name, artifact, "auto");
    config.description = recipe.description;
    TensorSpec input{"features",
                     DataType::kFp32,
                     {-1, static_cast<std::int64_t>(data->cols)},
                     data->feature_names};
    const bool fraud = recipe.name == "fraud-detector";
    TensorSpec output{fraud ? "fraud_probability" : "hardness_gpa", DataType::kFp32, {-1, 1}, {}};
    config.inputs = {input};
    config.outputs = {output};
    // The response cache is on; batching is not, as the config says.
    config.cache.enabled = true;
    if (auto s = write_text(dir / "config.yaml", to_yaml(config) + kNoBatching); !s) return s;
  }
  return {};
}

}  // namespace hone::model

// The bundled demo models, made from synthetic data with a portable random generator so that
// `hone model demo --out DIR` writes the same files on every machine:
//   ceramic-armor   regression: Vickers hardness (GPa) of an armour ceramic from 12 composition
//                   and processing features;
//   fraud-detector  binary classification: probability that a card transaction is fraud, from
//                   30 features (some missing, as in real transaction logs).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/xgboost/trainer.h"

namespace hone::model {

std::vector<std::string> demo_model_names();

// Synthetic rows (and labels) for a demo model; the same seed gives the same rows.
Result<TrainingSet> demo_dataset(const std::string& name, std::size_t rows, std::uint64_t seed);

// Trains every demo model and writes DIR/<name>/{config.yaml,model.json}.
Status write_demo_models(const std::string& out_dir);

}  // namespace hone::model

// Models coming and going while hone serve runs: loads and unloads by request (--model-control
// explicit), versions kept by a version_policy, the repository polled for new versions and changed
// configs under load without a failed request, and a memory budget under which models load on
// their first request and the least recently used idle one makes room.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "support/redis_process.h"
#include "support/served.h"
#include "support/temp_dir.h"
#include "support/test_models.h"

namespace hone::test {
namespace {
namespace fs = std::filesystem;

const std::string kSixRow = R"({"instances":[[1.5,-0.5,2,0.25,-1,3]]})";
const std::vector<http::Header> kAdmin = {{"Authorization", "Bearer t0ken"}};

void write_file(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }

// A model folder (or a version folder inside one) holding a copy of a test model, and a
// config.yaml when one is given; made aside and renamed into place, so that a poll never sees
// half of it.
void put_model(const fs::path& folder, const std::string& test_model,
               const std::string& config = {}) {
  const fs::path aside = folder.parent_path() / (".incoming-" + folder.filename().string());
  fs::create_directories(aside);
  fs::copy_file(hone::test::test_model(test_model).path, aside / "model.json",
                fs::copy_options::overwrite_existing);
  if (!config.empty()) write_file(aside / "config.yaml", config);
  fs::rename(aside, folder);
}

std::string metric_line(const std::string& metrics, const std::string& series) {
  const auto at = metrics.find("\n" + series + " ");
  if (at == std::string::npos) return "(no " + series + ")";
  return metrics.substr(at + 1, metrics.find('\n', at + 1) - at - 1);
}

struct Answer {
  int status = 0;
  std::string body;
};

Answer predict(const Served& served, const std::string& path, const std::string& body = kSixRow) {
  auto answer = served.client().post(path, body);
  if (!answer) return {0, answer.error().message};
  return {answer->status, answer->body};
}

TEST(ModelLifecycle, ExplicitControlLoadsAndUnloadsWithTheAdminToken) {
  TempDir repo;
  put_model(repo.path() / "a", "regression", "name: a\n");
  put_model(repo.path() / "b", "binary", "name: b\n");
  Served served(
      {"--models", repo.path().string(), "--model-control", "explicit", "--admin-token", "t0ken"});
  const Answer before = predict(served, "/v1/models/a:predict");
  ASSERT_EQ(before.status, 200) << before.body;
  auto client = served.client();

  EXPECT_EQ(client.post("/v2/repository/models/a/unload", "").value().status, 401);
  const auto unloaded = client.request("POST", "/v2/repository/models/a/unload", "", kAdmin);
  ASSERT_EQ(unloaded.value().status, 200) << unloaded.value().body;
  EXPECT_EQ(unloaded.value().body, "{}");
  const Answer gone = predict(served, "/v1/models/a:predict");
  EXPECT_EQ(gone.status, 404);
  EXPECT_NE(gone.body.find("model 'a' is not loaded (unloaded by request; load it with POST "
                           "/v2/repository/models/a/load)"),
            std::string::npos)
      << gone.body;
  EXPECT_EQ(served.get("/v2/repository/index"),
            R"([{"name":"a","state":"UNAVAILABLE","reason":"unloaded by request"},)"
            R"({"name":"b","version":"1","state":"READY","reason":""}])");
  EXPECT_EQ(predict(served, "/v1/models/b:predict").status, 200);

  const auto loaded = client.request("POST", "/v2/repository/models/a/load", "{}", kAdmin);
  ASSERT_EQ(loaded.value().status, 200) << loaded.value().body;
  const Answer again = predict(served, "/v1/models/a:predict");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, before.body);
  // Loading what is loaded and unchanged loads nothing (the count below stays at 2).
  EXPECT_EQ(client.request("POST", "/v2/repository/models/a/load", "", kAdmin).value().status, 200);

  // A folder added after the start loads by request; a broken one is refused with its reason
  // and shows in the index with it.
  put_model(repo.path() / "c", "softprob", "name: c\n");
  EXPECT_EQ(predict(served, "/v1/models/c:predict").status, 404);
  EXPECT_EQ(client.request("POST", "/v2/repository/models/c/load", "", kAdmin).value().status, 200);
  EXPECT_EQ(predict(served, "/v1/models/c:predict").status, 200);
  fs::create_directories(repo.path() / "d");
  write_file(repo.path() / "d" / "config.yaml", "name: d\n");
  write_file(repo.path() / "d" / "model.json", "{\"learner\": 1");
  const auto broken = client.request("POST", "/v2/repository/models/d/load", "", kAdmin).value();
  EXPECT_EQ(broken.status, 500);
  EXPECT_NE(broken.body.find("model.json"), std::string::npos) << broken.body;
  EXPECT_NE(served.get("/v2/repository/index")
                .find(R"({"name":"d","state":"UNAVAILABLE","reason":"its last load failed: )"),
            std::string::npos);

  const auto unknown = client.request("POST", "/v2/repository/models/nope/load", "", kAdmin);
  EXPECT_EQ(unknown.value().status, 404);
  EXPECT_NE(unknown.value().body.find("no model 'nope' in the repository"), std::string::npos);
  EXPECT_EQ(client.request("POST", "/v2/repository/models/nope/unload", "", kAdmin).value().status,
            404);
  const auto parameters =
      client.request("POST", "/v2/repository/models/a/load", R"({"parameters":{}})", kAdmin);
  EXPECT_EQ(parameters.value().status, 400);
  EXPECT_NE(parameters.value().body.find("'parameters' is not supported here"), std::string::npos);

  const std::string metrics = served.get("/metrics");
  EXPECT_EQ(metric_line(metrics, R"(hone_model_loads_total{model="a",outcome="ok"})"),
            R"(hone_model_loads_total{model="a",outcome="ok"} 2)");
  EXPECT_EQ(metric_line(metrics, R"(hone_model_unloads_total{model="a",reason="request"})"),
            R"(hone_model_unloads_total{model="a",reason="request"} 1)");
  EXPECT_EQ(metric_line(metrics, R"(hone_model_loads_total{model="d",outcome="failed"})"),
            R"(hone_model_loads_total{model="d",outcome="failed"} 1)");
  // The last load's time: a read, a warmup and a switch take more than nothing, less than 10 s.
  const std::string load_seconds = metric_line(metrics, R"(hone_model_load_seconds{model="a"})");
  const double seconds = std::stod(load_seconds.substr(load_seconds.rfind(' ') + 1));
  EXPECT_GT(seconds, 0) << load_seconds;
  EXPECT_LT(seconds, 10) << load_seconds;
  // Request counts go on across the reload: the model's metrics outlive its pipelines.
  EXPECT_EQ(metric_line(metrics, R"(hone_requests_total{model="a",status="200"})"),
            R"(hone_requests_total{model="a",status="200"} 2)");
}

TEST(ModelLifecycle, LoadAndUnloadNeedExplicitControl) {
  Served served({"--admin-token", "t0ken"});
  auto client = served.client();
  const auto refused =
      client.request("POST", "/v2/repository/models/fraud-detector/unload", "", kAdmin).value();
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("only with --model-control explicit; this server runs with "
                              "--model-control none"),
            std::string::npos)
      << refused.body;
  EXPECT_NE(served.get("/v2").find(R"("model_repository")"), std::string::npos);
}

TEST(ModelLifecycle, ServesEveryVersionItsPolicyKeeps) {
  TempDir repo;
  const fs::path m = repo.path() / "m";
  put_model(m / "1", "regression");
  put_model(m / "2", "binary");
  put_model(m / "10", "softmax");
  Served single({"--model", "r=" + test_model("regression").path, "--model",
                 "s=" + test_model("softmax").path});
  const std::string regression = predict(single, "/v1/models/r:predict").body;
  const std::string softmax = predict(single, "/v1/models/s:predict").body;
  ASSERT_NE(regression, softmax);

  write_file(m / "config.yaml", "version_policy: {latest: 2}\n");
  {
    Served served({"--models", repo.path().string()});
    EXPECT_EQ(served.get("/v2/repository/index"),
              R"([{"name":"m","version":"2","state":"READY","reason":""},)"
              R"({"name":"m","version":"10","state":"READY","reason":""}])");
    EXPECT_EQ(predict(served, "/v1/models/m:predict").body, softmax);  // the default: 10
    EXPECT_EQ(predict(served, "/v1/models/m/versions/10:predict").body, softmax);
    const Answer two = predict(served, "/v2/models/m/versions/2/infer",
                               R"({"inputs":[{"name":"features","shape":[1,6],)"
                               R"("datatype":"FP32","data":[1.5,-0.5,2,0.25,-1,3]}]})");
    EXPECT_EQ(two.status, 200) << two.body;
    const Answer one = predict(served, "/v1/models/m/versions/1:predict");
    EXPECT_EQ(one.status, 404);
    EXPECT_NE(one.body.find("model 'm' has no version '1' loaded"), std::string::npos);
    EXPECT_NE(served.get("/v2/models/m/versions/2").find(R"("versions":["2","10"])"),
              std::string::npos);
  }
  write_file(m / "config.yaml", "version_policy: {specific: [1, 7]}\n");
  {
    Served served({"--models", repo.path().string()});
    EXPECT_EQ(predict(served, "/v1/models/m:predict").body, regression);
    EXPECT_EQ(predict(served, "/v1/models/m/versions/10:predict").status, 404);
  }
  write_file(m / "config.yaml", "version_policy: all\n");
  {
    Served served({"--models", repo.path().string()});
    for (const char* version : {"1", "2", "10"}) {
      EXPECT_EQ(
          predict(served, std::string("/v1/models/m/versions/") + version + ":predict").status,
          200);
    }
  }
  write_file(m / "config.yaml", "version_policy: {specific: [7]}\n");
  const ProcessResult refused =
      run_process({kHone, "serve", "--port", "0", "--models", repo.path().string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("version_policy (specific 7) selects none of the folder's "
                             "versions (1, 2, 10)"),
            std::string::npos)
      << refused.err;
}

// Clients that post predictions as fast as they are answered until told to stop, counting every
// answer that is not a 200 and the distinct answers seen.
class Traffic {
 public:
  Traffic(const Served& served, const std::string& path) {
    for (int i = 0; i < 2; ++i) {
      threads_.emplace_back([this, &served, path] {
        auto client = served.client();
        while (!stop_.load()) {
          auto answer = client.post(path, kSixRow);
          const std::lock_guard lock(mutex_);
          ++sent_;
          if (!answer || answer->status != 200) {
            failures_.push_back(answer ? std::to_string(answer->status) + " " + answer->body
                                       : answer.error().message);
            if (!answer) client = served.client();
            continue;
          }
          seen_.insert(answer->body);
          last_ = answer->body;
        }
      });
    }
  }
  ~Traffic() { finish(); }
  void finish() {
    stop_ = true;
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  bool last_was(const std::string& body) {
    const std::lock_guard lock(mutex_);
    return last_ == body;
  }
  std::int64_t sent() {
    const std::lock_guard lock(mutex_);
    return sent_;
  }
  std::vector<std::string> failures_;
  std::set<std::string> seen_;

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::int64_t sent_ = 0;
  std::string last_;
  std::vector<std::thread> threads_;
};

TEST(ModelLifecycle, PollSwapsInANewVersionUnderLoadWithoutAFailedRequest) {
  TempDir repo;
  const fs::path m = repo.path() / "m";
  put_model(m / "1", "regression");
  // Batching with a wait keeps requests queued inside the old version when the new one comes.
  const std::string config =
      "batching: {max_batch_size: 8, max_queue_delay: 5ms}\nwarmup: {rounds: 3}\n";
  write_file(m / "config.yaml", config);
  Served single({"--model", "r=" + test_model("regression").path, "--model",
                 "b=" + test_model("binary").path});
  const std::string old_answer = predict(single, "/v1/models/r:predict").body;
  const std::string new_answer = predict(single, "/v1/models/b:predict").body;

  Served served({"--models", repo.path().string(), "--model-control", "poll",
                 "--model-poll-interval", "50ms"});
  Traffic traffic(served, "/v1/models/m:predict");
  ASSERT_TRUE(eventually([&] { return traffic.sent() > 200; }));
  put_model(m / "2", "binary");
  ASSERT_TRUE(eventually([&] { return traffic.last_was(new_answer); }));
  const std::int64_t at_swap = traffic.sent();
  ASSERT_TRUE(eventually([&] { return traffic.sent() > at_swap + 200; }));
  traffic.finish();
  EXPECT_TRUE(traffic.failures_.empty())
      << traffic.failures_.size() << " failed, first: " << traffic.failures_.front();
  EXPECT_EQ(traffic.seen_, (std::set<std::string>{old_answer, new_answer}));
  EXPECT_EQ(served.get("/v2/repository/index"),
            R"([{"name":"m","version":"2","state":"READY","reason":""}])");
  // The new version was warmed up before it took traffic.
  const std::string log = served.process.stderr_text();
  const std::string warmed = "model 'm' warmed up: 3 round(s)";
  const auto second_warmup = log.find(warmed, log.find(warmed) + 1);
  ASSERT_NE(second_warmup, std::string::npos) << log;
  EXPECT_LT(second_warmup, log.find("model 'm' version(s) 2 loaded for the repository poll"));
  const std::string metrics = served.get("/metrics");
  EXPECT_EQ(metric_line(metrics, R"(hone_model_unloads_total{model="m",reason="replaced"})"),
            R"(hone_model_unloads_total{model="m",reason="replaced"} 1)");

  // A version that does not load leaves the one serving in place, and is tried once per change.
  fs::create_directories(m / ".incoming-3");
  write_file(m / ".incoming-3" / "model.json", "{\"learner\": 1");
  fs::rename(m / ".incoming-3", m / "3");
  const std::string failed = R"(hone_model_loads_total{model="m",outcome="failed"} 1)";
  ASSERT_TRUE(eventually([&] { return served.get("/metrics").find(failed) != std::string::npos; }));
  const std::string polls = R"(hone_model_loads_total{model="m",outcome="ok"} 2)";
  EXPECT_NE(served.get("/metrics").find(polls), std::string::npos);
  EXPECT_EQ(predict(served, "/v1/models/m:predict").body, new_answer);
  // Out in one rename too: a poll between remove_all's steps would see a version 3 without its
  // file, new files to try.
  fs::rename(m / "3", repo.path() / ".gone-3");
  fs::remove_all(repo.path() / ".gone-3");
  // A new model folder is served.
  put_model(repo.path() / "n", "softmax", "name: n\n");
  EXPECT_TRUE(eventually([&] { return predict(served, "/v1/models/n:predict").status == 200; }));
  EXPECT_NE(served.get("/metrics").find(failed), std::string::npos);  // version 3: tried once

  // A config.yaml that does not parse: the versions loaded keep serving, and it is logged and
  // counted once however many polls see it.
  write_file(m / "config.yaml", config + "batching: [\n");
  const std::string unreadable = R"(hone_model_loads_total{model="m",outcome="failed"} 2)";
  ASSERT_TRUE(
      eventually([&] { return served.get("/metrics").find(unreadable) != std::string::npos; }));
  EXPECT_EQ(predict(served, "/v1/models/m:predict").body, new_answer);

  // A changed config is read again: one row per request from now on.
  write_file(m / "config.yaml", config + "max_rows_per_request: 1\n");
  const std::string two_rows = R"({"instances":[[1,2,3,4,5,6],[1,2,3,4,5,6]]})";
  EXPECT_TRUE(eventually([&] {
    return predict(served, "/v1/models/m:predict", two_rows).status == 413;
  })) << served.process.stderr_text();
  EXPECT_NE(served.get("/metrics").find(unreadable), std::string::npos);
  const std::string poll_log = served.process.stderr_text();
  const auto first_error = poll_log.find("model repository poll: ");
  ASSERT_NE(first_error, std::string::npos) << poll_log;
  EXPECT_EQ(poll_log.find("model repository poll: ", first_error + 1), std::string::npos)
      << poll_log;
  // A folder that leaves the repository takes its model with it.
  fs::remove_all(m);
  EXPECT_TRUE(eventually([&] { return predict(served, "/v1/models/m:predict").status == 404; }));
  EXPECT_NE(
      served.get("/metrics").find(R"(hone_model_unloads_total{model="m",reason="removed"} 1)"),
      std::string::npos);
}

double memory_of(const std::string& metrics, const std::string& model) {
  const std::string line =
      metric_line(metrics, R"(hone_model_memory_bytes{model=")" + model + R"("})");
  return std::stod(line.substr(line.rfind(' ') + 1));
}

TEST(ModelLifecycle, AMemoryBudgetLoadsOnFirstRequestAndUnloadsTheLeastRecentlyUsedIdleModel) {
  TempDir repo;
  put_model(repo.path() / "a", "regression", "name: a\n");
  put_model(repo.path() / "b", "softprob", "name: b\n");
  double a_bytes = 0;
  double b_bytes = 0;
  {
    Served roomy({"--models", repo.path().string()});
    const std::string metrics = roomy.get("/metrics");
    a_bytes = memory_of(metrics, "a");
    b_bytes = memory_of(metrics, "b");
    ASSERT_GT(a_bytes, 1000);
    ASSERT_GT(b_bytes, 1000);
  }
  // Room for the larger model and half the smaller: one at a time.
  const auto budget =
      static_cast<std::uint64_t>(std::max(a_bytes, b_bytes) + std::min(a_bytes, b_bytes) / 2);
  Served served({"--models", repo.path().string(), "--model-memory", std::to_string(budget)});
  EXPECT_EQ(
      served.get("/v2/repository/index"),
      R"([{"name":"a","state":"UNAVAILABLE","reason":"not loaded yet: it loads on its first request"},)"
      R"({"name":"b","state":"UNAVAILABLE","reason":"not loaded yet: it loads on its first request"}])");
  EXPECT_EQ(predict(served, "/v1/models/a:predict").status, 200);
  EXPECT_EQ(
      served.get("/v2/repository/index"),
      R"([{"name":"a","version":"1","state":"READY","reason":""},)"
      R"({"name":"b","state":"UNAVAILABLE","reason":"not loaded yet: it loads on its first request"}])");
  EXPECT_EQ(predict(served, "/v1/models/b:predict").status, 200);
  EXPECT_EQ(served.get("/v2/repository/index"),
            R"([{"name":"a","state":"UNAVAILABLE","reason":"unloaded to make room for 'b' )"
            R"((--model-memory); it loads again on its next request"},)"
            R"({"name":"b","version":"1","state":"READY","reason":""}])");
  // Metadata does not load a model (it would unload another): it says how to.
  const auto metadata = served.client().get("/v2/models/a").value();
  EXPECT_EQ(metadata.status, 404);
  EXPECT_NE(metadata.body.find("model 'a' is not loaded (unloaded to make room for 'b' "
                               "(--model-memory); a prediction request loads it)"),
            std::string::npos)
      << metadata.body;
  EXPECT_EQ(predict(served, "/v1/models/a:predict").status, 200);  // and b makes room
  const std::string metrics = served.get("/metrics");
  EXPECT_EQ(metric_line(metrics, R"(hone_model_unloads_total{model="a",reason="memory"})"),
            R"(hone_model_unloads_total{model="a",reason="memory"} 1)");
  EXPECT_EQ(metric_line(metrics, R"(hone_model_unloads_total{model="b",reason="memory"})"),
            R"(hone_model_unloads_total{model="b",reason="memory"} 1)");
  EXPECT_EQ(metric_line(metrics, "hone_model_memory_limit_bytes"),
            "hone_model_memory_limit_bytes " + std::to_string(budget));
  EXPECT_EQ(memory_of(metrics, "b"), 0);
  EXPECT_EQ(memory_of(metrics, "a"), a_bytes);
  const std::string log = served.process.stderr_text();
  EXPECT_NE(log.find("model 'a' version(s) 1 loaded for its first request in "), std::string::npos);
  EXPECT_NE(log.find("model 'a': unloaded to make room for 'b'"), std::string::npos) << log;

  // A model answering a request is not unloaded to make room: the load waits for it (503).
  write_file(repo.path() / "b" / "config.yaml",
             "name: b\nbatching: {max_batch_size: 64, max_queue_delay: 1s}\n");
  Served busy({"--models", repo.path().string(), "--model-memory", std::to_string(budget)});
  std::thread slow([&busy] { EXPECT_EQ(predict(busy, "/v1/models/b:predict").status, 200); });
  ASSERT_TRUE(eventually([&] {
    return busy.get("/metrics").find(R"(hone_pending_requests{model="b"} 1)") != std::string::npos;
  }));
  const Answer held = predict(busy, "/v1/models/a:predict");
  slow.join();
  EXPECT_EQ(held.status, 503);
  EXPECT_NE(held.body.find("while they answer requests; retry later"), std::string::npos)
      << held.body;
  EXPECT_EQ(predict(busy, "/v1/models/a:predict").status, 200);  // b is idle now

  // A model larger than the whole budget is refused, with both sizes.
  Served tight({"--models", repo.path().string(), "--model-memory", "1KiB"});
  const Answer refused = predict(tight, "/v1/models/a:predict");
  EXPECT_EQ(refused.status, 507);
  EXPECT_NE(refused.body.find("more than the whole --model-memory budget of 1.0KiB"),
            std::string::npos)
      << refused.body;
}

// Requests queued for their model's load are not yet inside a model's pipeline: --max-in-flight
// bounds them too. Here a load takes a while (a long warmup).
TEST(ModelLifecycle, MaxInFlightBoundsTheRequestsWaitingForALoad) {
  TempDir repo;
  std::string rows = "[";
  for (int i = 0; i < 200; ++i) rows += std::string(i ? "," : "") + "[1.5,-0.5,2,0.25,-1,3]";
  put_model(repo.path() / "slow", "regression",
            "name: slow\nwarmup: {rounds: 2000, rows: " + rows + "]}\n");
  Served served(
      {"--models", repo.path().string(), "--model-memory", "1GiB", "--max-in-flight", "1"});
  // Three first requests at once: the load runs for the first, one more may queue behind it
  // (the bound, 1), and at least one is refused at once, naming the bound.
  std::vector<Answer> answers(3);
  std::vector<std::thread> clients;
  for (auto& answer : answers) {
    clients.emplace_back(
        [&served, &answer] { answer = predict(served, "/v1/models/slow:predict"); });
  }
  for (auto& client : clients) client.join();
  int answered = 0;
  int refused = 0;
  for (const auto& answer : answers) {
    if (answer.status == 200) {
      ++answered;
    } else {
      ++refused;
      EXPECT_EQ(answer.status, 503) << answer.body;
      EXPECT_NE(answer.body.find("too many requests are waiting for their models to load "
                                 "(--max-in-flight 1)"),
                std::string::npos)
          << answer.body;
    }
  }
  EXPECT_GE(answered, 1);
  EXPECT_GE(refused, 1);
}

TEST(ModelLifecycle, UnderAMemoryBudgetABrokenConfigStillStopsTheStart) {
  TempDir repo;
  put_model(repo.path() / "a", "regression", "name: a\nbatching: {max_batch_size: lots}\n");
  const ProcessResult refused = run_process(
      {kHone, "serve", "--port", "0", "--models", repo.path().string(), "--model-memory", "1GiB"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("max_batch_size"), std::string::npos) << refused.err;
}

TEST(ModelLifecycle, FlagsThatNeedARepositoryFolderSaySo) {
  for (const auto& [flags, why] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--model-control", "poll"}, "--model-control poll watches a repository folder"},
           {{"--model-memory", "1GiB"}, "--model-memory loads the models of a repository folder"},
           {{"--model-control", "sometimes"}, "--model-control"},
       }) {
    std::vector<std::string> args = {kHone, "serve",   "--port",
                                     "0",   "--model", kExamples + "/ceramic-armor/model.json"};
    args.insert(args.end(), flags.begin(), flags.end());
    const ProcessResult refused = run_process(args);
    EXPECT_EQ(refused.exit_code, 2) << why;
    EXPECT_NE(refused.err.find(why), std::string::npos) << refused.err;
  }
}

}  // namespace
}  // namespace hone::test

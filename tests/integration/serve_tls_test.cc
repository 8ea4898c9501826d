// hone serve over HTTPS: --tls-cert and --tls-key (or the config's tls section) serve the same
// API over TLS; --tls-client-ca requires client certificates; a handshake that stalls meets the
// header timeout; mistakes stop start-up with their reason. Each test starts the real binary.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/raw_client.h"
#include "support/served.h"
#include "support/temp_dir.h"
#include "support/tls_client.h"

namespace hone {
namespace {

using test::kHone;
using test::kRow;
using test::Served;

const std::string kTls = std::string(HONE_SOURCE_DIR) + "/tests/support/tls/";
const std::string kCert = kTls + "cert.pem";
const std::string kKey = kTls + "key.pem";

std::string request(const std::string& method, const std::string& path,
                    const std::string& body = "") {
  return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
         (body.empty() ? "" : "Content-Type: application/json\r\n") +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Runs openssl with `args`; the test fails when it does.
void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> all = {"/usr/bin/openssl"};
  all.insert(all.end(), args.begin(), args.end());
  const auto result = test::run_process(all, std::chrono::seconds(60));
  ASSERT_EQ(result.exit_code, 0) << result.err;
}

// A CA and a client certificate it signed, in `dir`: NAME-ca.pem, NAME.pem, NAME.key.
void make_client_certificate(const test::TempDir& dir, const std::string& name) {
  const std::string base = dir.path().string() + "/" + name;
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-keyout", base + "-ca.key", "-out", base + "-ca.pem", "-days", "2", "-subj",
           "/CN=" + name + " CA"});
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
           base + ".key", "-out", base + ".csr", "-subj", "/CN=" + name});
  openssl({"x509", "-req", "-in", base + ".csr", "-CA", base + "-ca.pem", "-CAkey",
           base + "-ca.key", "-CAcreateserial", "-out", base + ".pem", "-days", "2"});
}

TEST(ServeTls, TheApiAnswersOverHttps) {
  Served served({"--tls-cert", kCert, "--tls-key", kKey, "--header-timeout", "1s"});
  ASSERT_NE(served.port, 0);
  const test::TlsClientOptions verify{kCert, "", ""};  // the self-signed certificate is its CA
  const auto ready = test::tls_exchange(served.port, request("GET", "/v2/health/ready"), verify);
  ASSERT_TRUE(ready) << ready.error().message;
  EXPECT_EQ(ready->rfind("HTTP/1.1 200", 0), 0U) << *ready;
  const auto predicted = test::tls_exchange(
      served.port, request("POST", "/v1/models/ceramic-armor:predict", kRow), verify);
  ASSERT_TRUE(predicted) << predicted.error().message;
  EXPECT_EQ(predicted->rfind("HTTP/1.1 200", 0), 0U) << *predicted;
  EXPECT_NE(predicted->find("\"predictions\""), std::string::npos) << *predicted;

  // Plain HTTP to the HTTPS port gets no HTTP answer.
  test::RawClient plain(served.port, std::chrono::seconds(5));
  plain.send(request("GET", "/v2/health/ready"));
  EXPECT_EQ(plain.read_response().status, 0);

  // A client that connects and never starts the handshake is closed at the header timeout.
  test::RawClient silent(served.port, std::chrono::seconds(5));
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.closed_by_peer());

  // hone load keeps connections alive over TLS (-k: the test certificate is self-signed).
  const auto load = test::run_process(
      {kHone, "load", "https://127.0.0.1:" + std::to_string(served.port) + "/v2/health/ready", "-k",
       "--rate", "40", "-d", "1s", "--connections", "2"},
      std::chrono::seconds(30));
  EXPECT_EQ(load.exit_code, 0) << load.err;
  EXPECT_NE(load.out.find("200: 40"), std::string::npos) << load.out;
}

TEST(ServeTls, ClientCertificatesAreRequiredWithAClientCa) {
  test::TempDir dir;
  make_client_certificate(dir, "team");
  make_client_certificate(dir, "stranger");
  const std::string base = dir.path().string() + "/";
  const auto check = [&](const Served& served) {
    const std::string ready = request("GET", "/v2/health/ready");
    const auto with_cert =
        test::tls_exchange(served.port, ready, {kCert, base + "team.pem", base + "team.key"});
    ASSERT_TRUE(with_cert) << with_cert.error().message;
    EXPECT_EQ(with_cert->rfind("HTTP/1.1 200", 0), 0U);
    EXPECT_FALSE(test::tls_exchange(served.port, ready, {kCert, "", ""}));
    EXPECT_FALSE(test::tls_exchange(served.port, ready,
                                    {kCert, base + "stranger.pem", base + "stranger.key"}));
  };
  Served flagged({"--tls-cert", kCert, "--tls-key", kKey, "--tls-client-ca", base + "team-ca.pem"});
  ASSERT_NE(flagged.port, 0);
  check(flagged);
  const auto config =
      dir.write("hone.yaml", "models: " + test::kExamples + "\ntls: {cert: " + kCert +
                                 ", key: " + kKey + ", client_ca: " + base + "team-ca.pem}\n");
  Served configured({"--config", config});
  ASSERT_NE(configured.port, 0);
  check(configured);
}

TEST(ServeTls, MistakesStopStartUpWithTheReason) {
  test::TempDir dir;
  openssl({"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
           dir.path().string() + "/other.key"});
  const auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> all = {kHone, "serve", "--models", test::kExamples, "--port", "0"};
    all.insert(all.end(), args.begin(), args.end());
    return test::run_process(all, std::chrono::seconds(20));
  };
  for (const auto& [args, expected] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--tls-cert", kCert}, "--tls-cert needs --tls-key"},
           {{"--tls-key", kKey}, "need --tls-cert"},
           {{"--tls-cert", dir.write("bad.pem", "x"), "--tls-key", kKey},
            "cannot use the TLS certificate"},
           {{"--tls-cert", kCert, "--tls-key", dir.path().string() + "/other.key"},
            "does not match"},
           {{"--tls-cert", kCert, "--tls-key", kKey, "--tls-client-ca", dir.file("missing")},
            "cannot use the client CA"}}) {
    const auto result = run(args);
    EXPECT_NE(result.exit_code, 0) << args.back();
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace hone

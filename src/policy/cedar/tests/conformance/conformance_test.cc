// cedar_conformance_test: the Cedar integration tests (cedar-policy/cedar-integration-tests, pinned
// in corpus.pin) run against our engine, checked the way the Rust harness checks them
// (cedar-testing/src/integration_testing.rs): policies parsed with ids policy0.., the schema
// parsed, the entities and each request's context parsed *with* the schema, then IsAuthorized; the
// decision, the set of determining policies and the set of erroring policies must all match.
//
// The fixtures live outside the repo: $CUSTODY_FIXTURES (default $CUSTODY_SOURCE_DIR/../shared/
// fixtures) holds cedar/{tests,sample-data,corpus-tests.tar.gz}. When they are absent the tests
// skip, unless CUSTODY_REQUIRE_FIXTURES=1 makes that a failure.
//
// - HandWritten: one test per hand-written file (tests/**/*.json, 22 files, 74 requests).
// - CorpusShard: the generated corpus (7,809 files, 62,472 requests), split into a few shards so
//   ctest can spread it over cores. Each shard checks the tarball's sha256 against corpus.pin,
//   unpacks it into a fresh temp dir (removed at exit), runs its share of the files and reports
//   every mismatch it saw: the first CEDAR_CONFORMANCE_SHOW (default 30) in full, then totals.
//
// Debugging aids: CEDAR_CORPUS_FILTER=<substring of a corpus file name> runs only those files;
// CEDAR_CORPUS_KEEP=1 keeps the unpacked corpus and prints where it is.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "policy/cedar/authorizer.h"
#include "policy/cedar/entities.h"
#include "policy/cedar/parser.h"
#include "policy/cedar/schema.h"
#include "policy/cedar/tests/conformance/harness.h"

extern char** environ;

namespace custody::cedar::conformance {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int kCorpusShards = 4;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

bool FixturesRequired() { return Env("CUSTODY_REQUIRE_FIXTURES") == "1"; }

size_t ShownMismatches() {
  std::string v = Env("CEDAR_CONFORMANCE_SHOW");
  return v.empty() ? 30 : std::strtoul(v.c_str(), nullptr, 10);
}

// The shared fixtures folder: $CUSTODY_FIXTURES, else <source>/../shared/fixtures where <source> is
// $CUSTODY_SOURCE_DIR (set by ctest) or the source dir this binary was configured from.
fs::path FixturesRoot() {
  if (std::string v = Env("CUSTODY_FIXTURES"); !v.empty()) return v;
  std::string source = Env("CUSTODY_SOURCE_DIR");
  if (source.empty()) source = CUSTODY_DEFAULT_SOURCE_DIR;
  return fs::path(source) / ".." / "shared" / "fixtures";
}

fs::path CedarFixtures() { return (FixturesRoot() / "cedar").lexically_normal(); }

// Skips the test when a fixture is missing, or fails it when fixtures are required.
#define REQUIRE_FIXTURE(path)                                                  \
  do {                                                                         \
    if (!fs::exists(path)) {                                                   \
      if (FixturesRequired()) FAIL() << "missing fixture " << (path).string(); \
      GTEST_SKIP() << "Cedar fixtures not found at " << (path).string()        \
                   << " (set CUSTODY_FIXTURES to the shared fixtures folder)"; \
    }                                                                          \
  } while (0)

// ---------------------------------------------------------------------------------------------
// Running one test file.

// Counts requests and keeps the first mismatches in full. Not thread-safe: one per test.
class Tally {
 public:
  void Match() {
    ++requests_;
    ++matched_;
  }
  void Mismatch(const std::string& kind, const std::string& where, const std::string& detail) {
    ++requests_;
    ++kinds_[kind];
    if (shown_.size() < ShownMismatches()) {
      shown_.push_back("--- " + where + " [" + kind + "]\n" + detail);
    }
  }
  void Merge(const Tally& other) {
    requests_ += other.requests_;
    matched_ += other.matched_;
    for (const auto& [k, n] : other.kinds_) kinds_[k] += n;
    for (const std::string& s : other.shown_) {
      if (shown_.size() < ShownMismatches()) shown_.push_back(s);
    }
  }
  size_t requests() const { return requests_; }
  size_t matched() const { return matched_; }

  std::string Report(const std::string& title) const {
    std::ostringstream out;
    for (const std::string& s : shown_) out << s << "\n";
    if (requests_ != matched_ && shown_.size() < requests_ - matched_) {
      out << "(" << (requests_ - matched_ - shown_.size()) << " more mismatches not shown)\n";
    }
    out << title << ": " << matched_ << "/" << requests_ << " requests match";
    if (!kinds_.empty()) {
      out << "; mismatches by kind:";
      for (const auto& [k, n] : kinds_) out << " " << k << "=" << n;
    }
    out << "\n";
    return out.str();
  }

 private:
  size_t requests_ = 0;
  size_t matched_ = 0;
  std::map<std::string, size_t> kinds_;
  std::vector<std::string> shown_;
};

std::string StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// The expected answer of a request; "errors" entries are policy ids (older files: objects with
// "policyId").
Result<Answer> ExpectedAnswer(const json::object& request) {
  Answer answer;
  std::string decision = StringField(request, "decision");
  std::transform(decision.begin(), decision.end(), decision.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (decision != "allow" && decision != "deny") {
    return InvalidArgument("request has no decision \"allow\" or \"deny\"");
  }
  answer.allow = decision == "allow";
  for (std::string_view key : {"reason", "errors"}) {
    const json::value* v = request.if_contains(key);
    if (v == nullptr) continue;
    if (!v->is_array()) return InvalidArgument("\"" + std::string(key) + "\" is not an array");
    for (const json::value& id : v->as_array()) {
      std::string s;
      if (id.is_string()) {
        s = id.as_string();
      } else if (id.is_object() && id.as_object().contains("policyId")) {
        s = StringField(id.as_object(), "policyId");
      } else {
        return InvalidArgument("unexpected entry in \"" + std::string(key) + "\"");
      }
      (key == "reason" ? answer.reason : answer.errors).insert(std::move(s));
    }
  }
  return answer;
}

std::string DescribeRequest(const json::object& request) {
  std::string out;
  for (std::string_view key : {"principal", "action", "resource", "context"}) {
    const json::value* v = request.if_contains(key);
    out += "  " + std::string(key) + ": " +
           (v != nullptr ? Truncate(json::serialize(*v), 400) : std::string("(absent)")) + "\n";
  }
  return out;
}

// Runs every request of the test file at `test_path`; paths inside it are relative to `root`.
void RunTestFile(const fs::path& root, const fs::path& test_path, Tally& tally) {
  const std::string label = test_path.lexically_relative(root).string();
  Result<std::string> text = ReadFile(test_path);
  if (!text.ok()) {
    tally.Mismatch("harness", label, text.error().message());
    return;
  }
  boost::system::error_code ec;
  json::value test = json::parse(*text, ec);
  if (ec || !test.is_object() || !test.as_object().contains("requests") ||
      !test.as_object().at("requests").is_array()) {
    tally.Mismatch("harness", label, "not a test file: " + ec.message());
    return;
  }
  const json::object& t = test.as_object();
  const json::array& requests = t.at("requests").as_array();

  // A failure before any request runs counts against every request of the file (in full once).
  auto fail_all = [&](const std::string& kind, const std::string& message) {
    for (size_t i = 0; i < requests.size(); ++i) {
      const json::value& r = requests[i];
      std::string description = r.is_object() ? StringField(r.as_object(), "description") : "";
      tally.Mismatch(kind, label + " \"" + description + "\"",
                     i == 0 ? message + "\n" : "(the same failure as for the first request)\n");
    }
  };
  auto read = [&](std::string_view key) -> Result<std::string> {
    std::string rel = StringField(t, key);
    if (rel.empty()) return InvalidArgument("test has no \"" + std::string(key) + "\"");
    return ReadFile(root / rel);
  };

  if (StringField(t, "policyFormat") == "json" || StringField(t, "schemaFormat") == "json") {
    fail_all("unsupported", "JSON policy or schema format is not supported by this runner");
    return;
  }
  Result<std::string> policy_text = read("policies");
  if (!policy_text.ok()) return fail_all("harness", policy_text.error().message());
  Result<PolicySet> policies = PolicySet::Parse(*policy_text, StringField(t, "policies"));
  if (!policies.ok()) {
    return fail_all("policy-parse",
                    policies.error().message() + "\npolicies:\n" + Truncate(*policy_text, 1500));
  }

  std::optional<Schema> schema;
  if (t.contains("schema")) {
    Result<std::string> schema_text = read("schema");
    if (!schema_text.ok()) return fail_all("harness", schema_text.error().message());
    Result<Schema> parsed = Schema::Parse(*schema_text, StringField(t, "schema"));
    if (!parsed.ok()) {
      return fail_all("schema-parse",
                      parsed.error().message() + "\nschema:\n" + Truncate(*schema_text, 1500));
    }
    schema.emplace(std::move(*parsed));
  }
  const Schema* schema_ptr = schema ? &*schema : nullptr;

  Result<std::string> entities_text = read("entities");
  if (!entities_text.ok()) return fail_all("harness", entities_text.error().message());
  Result<Entities> entities = Entities::FromJson(*entities_text, schema_ptr);
  if (!entities.ok()) {
    return fail_all("entities-load",
                    entities.error().message() + "\nentities:\n" + Truncate(*entities_text, 1500));
  }

  for (const json::value& r : requests) {
    if (!r.is_object()) {
      tally.Mismatch("harness", label, "request is not an object\n");
      continue;
    }
    const json::object& req = r.as_object();
    const std::string where = label + " \"" + StringField(req, "description") + "\"";
    Result<Answer> expected = ExpectedAnswer(req);
    if (!expected.ok()) {
      tally.Mismatch("harness", where, expected.error().message() + "\n");
      continue;
    }
    Result<Request> request = RequestFromJson(req, schema_ptr);
    if (!request.ok()) {
      tally.Mismatch("request-parse", where,
                     request.error().message() + "\n" + DescribeRequest(req));
      continue;
    }
    Response response = IsAuthorized(*request, *policies, *entities);
    Answer actual = Summarize(response);
    if (actual == *expected) {
      tally.Match();
      continue;
    }
    std::string kind = actual.allow != expected->allow     ? "decision"
                       : actual.reason != expected->reason ? "reason"
                                                           : "errors";
    std::string detail = DescribeRequest(req) + "  expected: " + ToString(*expected) + "\n" +
                         "  actual:   " + ToString(actual) + "\n";
    for (const PolicyError& e : response.errors) {
      detail += "  our error in " + e.policy_id + ": " + Truncate(e.message, 300) + "\n";
    }
    detail += "  policies:\n" + Truncate(*policy_text, 1500) + "\n";
    tally.Mismatch(kind, where, detail);
  }
}

// ---------------------------------------------------------------------------------------------
// Hand-written tests.

// The hand-written files at the pinned commit; HandWrittenList checks that the fixture folder
// holds exactly these, so a new fixture cannot go unrun.
constexpr const char* kHandWritten[] = {
    "decimal/1",
    "decimal/2",
    "example_use_cases/1a",
    "example_use_cases/2a",
    "example_use_cases/2b",
    "example_use_cases/2c",
    "example_use_cases/3a",
    "example_use_cases/3b",
    "example_use_cases/3c",
    "example_use_cases/4a",
    "example_use_cases/4d",
    "example_use_cases/4e",
    "example_use_cases/4f",
    "example_use_cases/5b",
    "ip/1",
    "ip/2",
    "ip/3",
    "multi/1",
    "multi/2",
    "multi/3",
    "multi/4",
    "multi/5",
};

class HandWritten : public testing::TestWithParam<const char*> {};

TEST_P(HandWritten, MatchesExpectedAnswers) {
  const fs::path root = CedarFixtures();
  const fs::path file = root / "tests" / (std::string(GetParam()) + ".json");
  REQUIRE_FIXTURE(file);
  Tally tally;
  RunTestFile(root, file, tally);
  EXPECT_GT(tally.requests(), 0u);
  EXPECT_EQ(tally.matched(), tally.requests()) << tally.Report(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Cedar, HandWritten, testing::ValuesIn(kHandWritten),
                         [](const testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '/', '_');
                           return name;
                         });

TEST(HandWrittenList, CoversEveryFixtureFile) {
  const fs::path tests = CedarFixtures() / "tests";
  REQUIRE_FIXTURE(tests);
  std::vector<std::string> found;
  for (const fs::directory_entry& e : fs::recursive_directory_iterator(tests)) {
    if (e.is_regular_file() && e.path().extension() == ".json") {
      found.push_back(e.path().lexically_relative(tests).replace_extension().string());
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> expected(std::begin(kHandWritten), std::end(kHandWritten));
  EXPECT_EQ(found, expected);
}

// ---------------------------------------------------------------------------------------------
// The generated corpus.

struct Pin {
  std::string commit;
  std::string file;
  std::string sha256;
  size_t tests = 0;
  size_t requests = 0;
};

Result<Pin> ReadPin() {
  Result<std::string> text = ReadFile(CEDAR_CONFORMANCE_PIN);
  if (!text.ok()) return std::move(text).error();
  Pin pin;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string key, value;
    fields >> key >> value;
    if (key == "commit") pin.commit = value;
    if (key == "file") pin.file = value;
    if (key == "sha256") pin.sha256 = value;
    if (key == "tests") pin.tests = std::strtoul(value.c_str(), nullptr, 10);
    if (key == "requests") pin.requests = std::strtoul(value.c_str(), nullptr, 10);
  }
  if (pin.file.empty() || pin.sha256.size() != 64 || pin.tests == 0 || pin.requests == 0) {
    return InvalidArgument(std::string("incomplete pin file ") + CEDAR_CONFORMANCE_PIN);
  }
  return pin;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) return "";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

// Runs `tar -xzf tarball -C dir` (no shell involved).
Status Untar(const fs::path& tarball, const fs::path& dir) {
  std::string t = tarball.string(), d = dir.string();
  std::string a0 = "tar", a1 = "-xzf", a3 = "-C";
  char* argv[] = {a0.data(), a1.data(), t.data(), a3.data(), d.data(), nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, "tar", nullptr, nullptr, argv, environ);
  if (rc != 0) return Internal("cannot run tar: " + std::string(std::strerror(rc)));
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Internal("tar -xzf " + t + " failed");
  }
  return OkStatus();
}

// The corpus unpacked into a temp dir, once per process; the directory is removed when the test
// program ends (CorpusCleanup).
struct Corpus {
  bool absent = false;  // the tarball is not there: skip (or fail when fixtures are required)
  std::string error;    // set when the corpus is there but unusable (wrong hash, tar failed, …)
  Pin pin;
  fs::path dir;                 // the temp dir; its corpus-tests/ holds the files
  std::vector<fs::path> tests;  // the test JSON files, sorted by name
};

Corpus Unpack() {
  Corpus corpus;
  Result<Pin> pin = ReadPin();
  if (!pin.ok()) {
    corpus.error = pin.error().message();
    return corpus;
  }
  corpus.pin = *pin;
  const fs::path fixtures = CedarFixtures();
  const fs::path tarball = fixtures / pin->file;
  if (!fs::exists(tarball)) {
    corpus.absent = true;
    corpus.error = "Cedar corpus not found at " + tarball.string() +
                   " (set CUSTODY_FIXTURES to the shared fixtures folder)";
    return corpus;
  }
  // SOURCE.txt names the commit the fixtures were copied from; a different commit means the pin
  // and the fixtures disagree about what the expected answers are.
  if (Result<std::string> source = ReadFile(fixtures / "SOURCE.txt"); source.ok()) {
    if (source->find(pin->commit) == std::string::npos) {
      corpus.error = "fixtures SOURCE.txt does not name the pinned commit " + pin->commit;
      return corpus;
    }
  }
  Result<std::string> bytes = ReadFile(tarball);
  if (!bytes.ok()) {
    corpus.error = bytes.error().message();
    return corpus;
  }
  if (std::string got = Sha256Hex(*bytes); got != pin->sha256) {
    corpus.error = tarball.string() + " has sha256 " + got + ", corpus.pin expects " + pin->sha256;
    return corpus;
  }
  std::string pattern = (fs::temp_directory_path() / "cedar-corpus-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    corpus.error = "mkdtemp failed: " + std::string(std::strerror(errno));
    return corpus;
  }
  corpus.dir = pattern;
  if (Status s = Untar(tarball, corpus.dir); !s.ok()) {
    corpus.error = s.error().message();
    return corpus;
  }
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(corpus.dir / "corpus-tests", ec)) {
    const std::string name = e.path().filename().string();
    if (name.ends_with(".json") && !name.ends_with(".entities.json")) corpus.tests.push_back(e);
  }
  if (ec) corpus.error = "cannot list the unpacked corpus: " + ec.message();
  std::sort(corpus.tests.begin(), corpus.tests.end());
  return corpus;
}

Corpus& TheCorpus() {
  static Corpus corpus = Unpack();
  return corpus;
}
bool corpus_unpacked = false;
// The shards run in this process, for the whole-corpus total when all of them ran here.
Tally corpus_total;
int shards_run = 0;

// Removes the unpacked corpus after the last test (unless CEDAR_CORPUS_KEEP=1).
class CorpusCleanup : public testing::Environment {
 public:
  void TearDown() override {
    if (!corpus_unpacked) return;
    Corpus& corpus = TheCorpus();
    if (shards_run == kCorpusShards && Env("CEDAR_CORPUS_FILTER").empty()) {
      std::cout << "corpus: " << corpus_total.matched() << "/" << corpus.pin.requests
                << " requests match (" << corpus_total.requests() << " run)\n";
      EXPECT_EQ(corpus_total.requests(), corpus.pin.requests) << "requests in the corpus";
    }
    if (corpus.dir.empty()) return;
    if (Env("CEDAR_CORPUS_KEEP") == "1") {
      std::cout << "kept the unpacked corpus in " << corpus.dir << "\n";
      return;
    }
    std::error_code ec;
    fs::remove_all(corpus.dir, ec);
  }
};
[[maybe_unused]] testing::Environment* const cleanup =
    testing::AddGlobalTestEnvironment(new CorpusCleanup);

class CorpusShard : public testing::TestWithParam<int> {};

TEST_P(CorpusShard, MatchesExpectedAnswers) {
  const int shard = GetParam();
  REQUIRE_FIXTURE(CedarFixtures() / "corpus-tests.tar.gz");
  const auto start = std::chrono::steady_clock::now();
  corpus_unpacked = true;
  const Corpus& corpus = TheCorpus();
  ASSERT_TRUE(corpus.error.empty()) << corpus.error;

  const std::string filter = Env("CEDAR_CORPUS_FILTER");
  if (filter.empty()) {
    ASSERT_EQ(corpus.tests.size(), corpus.pin.tests) << "test files in the unpacked corpus";
  }
  Tally tally;
  size_t files = 0;
  for (size_t i = shard; i < corpus.tests.size(); i += kCorpusShards) {
    if (!filter.empty() && corpus.tests[i].filename().string().find(filter) == std::string::npos) {
      continue;
    }
    ++files;
    RunTestFile(corpus.dir, corpus.tests[i], tally);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string title =
      "corpus shard " + std::to_string(shard + 1) + "/" + std::to_string(kCorpusShards) + " (" +
      std::to_string(files) + " files, " + std::to_string(seconds).substr(0, 5) +
      " s; the corpus has " + std::to_string(corpus.pin.requests) + " requests in all)";
  std::cout << tally.Report(title);
  corpus_total.Merge(tally);
  ++shards_run;
  EXPECT_EQ(tally.matched(), tally.requests()) << "see the mismatches above";
  if (filter.empty()) {
    // Every corpus file has requests; a shard that ran none means the listing went wrong.
    EXPECT_GT(tally.requests(), corpus.pin.requests / kCorpusShards / 2);
  }
}

INSTANTIATE_TEST_SUITE_P(Cedar, CorpusShard, testing::Range(0, kCorpusShards),
                         [](const testing::TestParamInfo<int>& info) {
                           return "shard" + std::to_string(info.param + 1) + "of" +
                                  std::to_string(kCorpusShards);
                         });

}  // namespace
}  // namespace custody::cedar::conformance

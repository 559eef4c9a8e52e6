#include "app/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace custody::app {
namespace {

TEST(ConfigTest, ParsesListenAddresses) {
  Config c;
  ASSERT_TRUE(ParseListen("0.0.0.0:9000", &c).ok());
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
  ASSERT_TRUE(ParseListen("[::1]:0", &c).ok());
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_FALSE(ParseListen("localhost", &c).ok());
  EXPECT_FALSE(ParseListen("h:99999", &c).ok());
}

TEST(ConfigTest, ParsesDestinations) {
  auto d = ParseDestinations("web=/srv/web,cms=/srv/cms");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->size(), 2u);
  EXPECT_EQ((*d)[1].name, "cms");
  EXPECT_EQ((*d)[1].root, "/srv/cms");
  EXPECT_FALSE(ParseDestinations("web").ok());
  EXPECT_FALSE(ParseDestinations("../x=/tmp").ok());
}

TEST(ConfigTest, DurationsHaveUnits) {
  EXPECT_EQ(*ParseDuration("90s"), Duration(std::chrono::seconds(90)));
  EXPECT_EQ(*ParseDuration("7d"), Duration(std::chrono::hours(168)));
  EXPECT_FALSE(ParseDuration("7").ok());
  EXPECT_FALSE(ParseDuration("-1s").ok());
  EXPECT_FALSE(ParseDuration("5w").ok());
}

TEST(ConfigTest, LaterSourcesOverrideEarlierOnes) {
  auto file = std::filesystem::temp_directory_path() /
              ("custody-config-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(file);
    out << "listen = \"127.0.0.1:7000\"\n"
           "[review]\nwindow = \"2d\"\n"
           "[jobs]\nworkers = 4\n"
           "[destinations]\nweb = \"/srv/web\"\n";
  }
  Config c;
  ASSERT_TRUE(ApplyTomlFile(file, &c).ok());
  EXPECT_EQ(c.listen_port, 7000);
  EXPECT_EQ(c.review_window, Duration(std::chrono::hours(48)));
  EXPECT_EQ(c.workers, 4);
  ASSERT_EQ(c.destinations.size(), 1u);
  ASSERT_TRUE(ApplyEnvironment({{"CUSTODY_LISTEN", "127.0.0.1:7100"},
                                {"CUSTODY_REVIEW_WINDOW", "3h"},
                                {"CUSTODY_DESTINATIONS", "a=/x,b=/y"},
                                {"CUSTODY_ADMIN_PASSWORD", "ignored-here"}},
                               &c)
                  .ok());
  EXPECT_EQ(c.listen_port, 7100);
  EXPECT_EQ(c.review_window, Duration(std::chrono::hours(3)));
  EXPECT_EQ(c.destinations.size(), 2u);
  std::filesystem::remove(file);
}

TEST(ConfigTest, UnknownKeysAndBadValuesAreErrors) {
  auto file = std::filesystem::temp_directory_path() /
              ("custody-config-bad-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(file);
    out << "[jobs]\nworkerz = 4\n";
  }
  Config c;
  auto s = ApplyTomlFile(file, &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message().find("workerz"), std::string::npos);
  {
    std::ofstream out(file);
    out << "listen = \n";
  }
  EXPECT_FALSE(ApplyTomlFile(file, &c).ok());
  EXPECT_FALSE(ApplyEnvironment({{"CUSTODY_JOBS_WORKERS", "many"}}, &c).ok());
  std::filesystem::remove(file);
}

TEST(ConfigTest, ContentCredentialsSettings) {
  auto file = std::filesystem::temp_directory_path() /
              ("custody-config-c2pa-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream out(file);
    out << "[c2pa]\ntsa_url = \"http://timestamp.example:8080/tsa\"\n"
           "trust_bundle = \"/etc/custody/partners.pem\"\nmax_verify_bytes = 1000\n"
           "[engines]\ngenerative = \"inpaint, sdxl-edit\"\n";
  }
  Config c;
  ASSERT_TRUE(ApplyTomlFile(file, &c).ok());
  EXPECT_EQ(c.c2pa_tsa_url, "http://timestamp.example:8080/tsa");
  EXPECT_EQ(c.c2pa_trust_bundle, "/etc/custody/partners.pem");
  EXPECT_EQ(c.c2pa_max_verify_bytes, 1000u);
  EXPECT_EQ(c.generative_engines, (std::set<std::string, std::less<>>{"inpaint", "sdxl-edit"}));
  // Every setting has its variable, sections included.
  ASSERT_TRUE(ApplyEnvironment({{"CUSTODY_C2PA_TSA_URL", "http://tsa.local"},
                                {"CUSTODY_ENGINES_EXTERNAL", "hosted"},
                                {"CUSTODY_C2PA_MAX_VERIFY_BYTES", "2048"}},
                               &c)
                  .ok());
  EXPECT_EQ(c.c2pa_tsa_url, "http://tsa.local");
  EXPECT_EQ(c.external_engines, (std::set<std::string, std::less<>>{"hosted"}));
  EXPECT_EQ(c.c2pa_max_verify_bytes, 2048u);
  // The project's HTTP client speaks plain HTTP: an https authority is refused with the reason.
  auto https = ApplyEnvironment({{"CUSTODY_C2PA_TSA_URL", "https://tsa.example/"}}, &c);
  ASSERT_FALSE(https.ok());
  EXPECT_NE(https.error().message().find("only http://"), std::string::npos);
  EXPECT_FALSE(ApplyEnvironment({{"CUSTODY_C2PA_TSA_URL", "tsa.example"}}, &c).ok());
  EXPECT_FALSE(ApplyEnvironment({{"CUSTODY_C2PA_MAX_VERIFY_BYTES", "0"}}, &c).ok());
  std::filesystem::remove(file);
}

TEST(ConfigTest, HttpUrlsSplitIntoBaseAndTarget) {
  std::string base, target;
  ASSERT_TRUE(ParseHttpUrl("http://tsa.example:3180/ts?x=1", &base, &target).ok());
  EXPECT_EQ(base, "http://tsa.example:3180");
  EXPECT_EQ(target, "/ts?x=1");
  ASSERT_TRUE(ParseHttpUrl("http://127.0.0.1", &base, &target).ok());
  EXPECT_EQ(base, "http://127.0.0.1");
  EXPECT_EQ(target, "/");
  EXPECT_FALSE(ParseHttpUrl("http://user@host/", &base, &target).ok());
  EXPECT_FALSE(ParseHttpUrl("http:///path", &base, &target).ok());
  EXPECT_FALSE(ParseHttpUrl("ftp://host/", &base, &target).ok());
}

}  // namespace
}  // namespace custody::app

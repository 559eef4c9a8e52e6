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

}  // namespace
}  // namespace custody::app

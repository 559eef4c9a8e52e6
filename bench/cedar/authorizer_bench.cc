// The cost of one authorization as the server pays it: CedarAuthorizer turns the workflow's facts
// into Cedar entities and a context, then evaluates the default policy set (policies/default/).
// Three representative requests: a read, an approval (separation-of-duties forbids evaluated over
// a lineage of contributors) and an export with a grant.
#include <benchmark/benchmark.h>

#include "policy/cedar_authorizer.h"

namespace custody::policy {
namespace {

std::shared_ptr<const PolicyBundle> Bundle() {
  std::vector<PolicyProblem> problems;
  auto b = PolicyBundle::Build(PolicyBundle::DefaultFiles(), &problems);
  if (!b.ok()) std::abort();
  return *b;
}

AuthzRequest Request(Action action) {
  const ProjectId project("prj_aaaaaaaaaaaaaaaaaaaaaaaaaa");
  const TimePoint now = FromUnixMicros(1'800'000'000'000'000);
  AuthzRequest r;
  r.principal.id = PrincipalId("prn_reviewerxxxxxxxxxxxxxxxx");
  r.principal.roles = {{r.principal.id, project, Role::kReviewer},
                       {r.principal.id, project, Role::kPublisher}};
  r.action = action;
  r.resource.type = "asset";
  r.resource.id = "ast_aaaaaaaaaaaaaaaaaaaaaaaaaa";
  r.resource.project = project;
  AssetFacts a;
  a.kind = AssetKind::kGeneration;
  a.stage = action == Action::kApprove ? Stage::kInReview : Stage::kApproved;
  a.sha256 = std::string(64, 'a');
  a.labels = {"campaign:spring", "client:acme"};
  for (const char* c : {"prn_creatorxxxxxxxxxxxxxxxxx", "prn_editorxxxxxxxxxxxxxxxxxx",
                        "prn_agentxxxxxxxxxxxxxxxxxxx"})
    a.contributors.insert(PrincipalId(c));
  if (action != Action::kApprove)
    a.approvals.push_back({PrincipalId("prn_otherreviewerxxxxxxxxxxx"), PrincipalKind::kHuman,
                           a.sha256, now + std::chrono::hours(24)});
  if (action != Action::kRead) r.resource.asset = a;
  r.context.now = now;
  r.context.session.age = std::chrono::minutes(20);
  if (action == Action::kApprove) r.context.sha256 = a.sha256;
  if (action == Action::kExport) {
    r.context.destination = "web";
    r.context.grant = GrantFacts{AssetId(r.resource.id),        a.sha256, "web", r.principal.id,
                                 now + std::chrono::minutes(5), false};
  }
  return r;
}

void Run(benchmark::State& state, Action action) {
  auto bundle = Bundle();
  AuthzRequest r = Request(action);
  if (!CedarAuthorizer::Authorize(*bundle, r).allowed) state.SkipWithError("expected allow");
  for (auto _ : state) benchmark::DoNotOptimize(CedarAuthorizer::Authorize(*bundle, r));
}

void BM_ServerDecision_Read(benchmark::State& s) { Run(s, Action::kRead); }
void BM_ServerDecision_Approve(benchmark::State& s) { Run(s, Action::kApprove); }
void BM_ServerDecision_Export(benchmark::State& s) { Run(s, Action::kExport); }
BENCHMARK(BM_ServerDecision_Read);
BENCHMARK(BM_ServerDecision_Approve);
BENCHMARK(BM_ServerDecision_Export);

}  // namespace
}  // namespace custody::policy

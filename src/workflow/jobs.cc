// Job use cases and the JobRunner side of the worker pool.
#include <algorithm>

#include "crypto/sha256.h"
#include "workflow/views.h"
#include "workflow/workflow.h"

namespace custody::workflow {

Result<JobRecord> Workflow::CreateJob(const Caller& c, const JobRequest& req) {
  jobs::Engine* engine = engines_.Find(req.engine);
  if (!engine) {
    std::string known;
    for (const jobs::Engine* e : engines_.List()) known += " " + std::string(e->name());
    return InvalidArgument("unknown engine '" + req.engine + "'; available:" + known);
  }
  std::vector<std::string> roles;
  for (const JobInput& in : req.inputs) {
    if (!LooksLike<AssetId>(in.asset.str())) return InvalidArgument("malformed input asset id");
    if (in.role.empty() || in.role.size() > 64)
      return InvalidArgument("input role must have 1 to 64 characters");
    roles.push_back(in.role);
  }
  if (req.prompt) {
    if (req.prompt->empty()) return InvalidArgument("empty prompt");
    if (req.prompt->size() > options_.max_prompt_bytes)
      return InvalidArgument("prompt longer than " + std::to_string(options_.max_prompt_bytes) +
                             " bytes");
    roles.push_back("prompt");
  }
  RETURN_IF_ERROR(engine->Validate(req.parameters, roles));
  if (req.title.size() > 300) return InvalidArgument("title too long (max 300)");
  for (const std::string& l : req.labels) RETURN_IF_ERROR(ValidateLabel(l));
  const policy::Action action =
      engine->kind() == JobKind::kEdit ? policy::Action::kEdit : policy::Action::kGenerate;
  const std::string audit_action = engine->kind() == JobKind::kEdit ? "job.edit" : "job.generate";

  // DLP: the prompt is scanned before anything is stored or queued. Findings policy says to
  // redact are replaced in the stored text (so the engine never sees them); the rest are what
  // the generate/edit decision sees as context.dlp.
  DlpScan prompt_scan;
  std::string prompt_text = req.prompt.value_or("");
  const bool dlp_on = req.prompt && options_.dlp.scanner != nullptr;
  if (dlp_on) {
    prompt_scan = ScanForDlp(AsBytes(*req.prompt), "prompt", "prompt");
    if (!prompt_scan.empty()) {
      // The prompt asset's classification: the declared one raised to the inputs'.
      ASSIGN_OR_RETURN(Classification level, store_.Read([&](ReadTx& tx) -> Result<Classification> {
        Classification l = req.classification.value_or(Classification::kInternal);
        for (const JobInput& in : req.inputs) {
          auto input = tx.GetAsset(in.asset);
          if (input.ok() && input->project == req.project) l = std::max(l, input->classification);
        }
        return l;
      }));
      policy::AssetFacts pf;
      pf.kind = AssetKind::kPrompt;
      pf.classification = level;
      pf.labels = UnionLabels(req.labels, {});
      pf.contributors = {c.principal.id};
      policy::ResourceFacts prompt_resource{"asset", "prompt", req.project, std::move(pf)};
      DecideRedactions(c, prompt_resource, prompt_scan);
      prompt_text = RedactContent(*req.prompt, prompt_scan);
    }
  }

  // The prompt text becomes an asset of its own (written before the transaction, removed if it
  // does not commit).
  std::optional<BlobRecord> prompt_blob;
  BlobId written;
  if (req.prompt) {
    ASSIGN_OR_RETURN(BlobRecord b, StoreBytes(AsBytes(prompt_text), &written));
    prompt_blob = b;
  }

  std::optional<policy::Decision> denied;
  JobRecord job;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(ProjectRecord project, tx.GetProject(req.project));
    // What the policies see about this job: the engine (model egress), the most sensitive input
    // (including the classification declared for the prompt) and the session's recent jobs.
    policy::RequestContext ctx;
    ctx.engine = EngineFactsOf(engine->name());
    Classification input_level = req.classification.value_or(Classification::kInternal);
    int64_t invalid_credentials = 0;
    for (const JobInput& in : req.inputs) {
      auto input = tx.GetAsset(in.asset);
      if (input.ok() && input->project == project.id) {
        input_level = std::max(input_level, input->classification);
        if (input->credentials && input->credentials->state == CredentialsState::kInvalid)
          ++invalid_credentials;
      }
    }
    ctx.input_classification = input_level;
    ctx.inputs_with_invalid_credentials = invalid_credentials;
    ASSIGN_OR_RETURN(ctx.session.jobs_last_hour,
                     tx.CountJobsSince(c.principal.id, clock_.Now() - std::chrono::hours(1)));
    if (dlp_on) ctx.dlp = prompt_scan.Facts();
    policy::Decision d = Decide(c, action, ProjectResource(project.id), ctx);
    if (!d.allowed) {
      if (!prompt_scan.empty()) {
        audit::AuditEvent scan_e = Event(c, "dlp.scan", project.id.str(), "blocked", &d);
        scan_e.details["dlp"] = prompt_scan.AuditJson(true);
        RETURN_IF_ERROR(audit_.Append(tx, scan_e));
      }
      return RecordDenial(tx, c, d, audit_action, project.id.str(), &denied);
    }

    job.id = NewId<JobId>(random_);
    job.kind = engine->kind();
    job.project = project.id;
    job.actor = c.principal.id;
    job.on_behalf_of = c.principal.owner;
    job.engine = std::string(engine->name());
    job.model = std::string(engine->model());
    job.model_version = std::string(engine->version());
    job.parameters_json = CanonicalJson(req.parameters);
    job.seed = req.seed ? *req.seed : random_.NextU64() >> 11;  // fits a JSON double exactly
    job.output_title = req.title;
    job.output_labels = UnionLabels(req.labels, {});
    job.output_classification = req.classification.value_or(Classification::kInternal);
    job.max_attempts = options_.job_max_attempts;
    job.created_at = clock_.Now();

    json::array inputs_audit;
    for (const JobInput& in : req.inputs) {
      auto input = tx.GetAsset(in.asset);
      if (!input.ok()) return InvalidArgument("input asset " + in.asset.str() + " does not exist");
      if (input->project != project.id)
        return InvalidArgument("input asset " + in.asset.str() + " belongs to another project");
      if (input->status != AssetStatus::kActive)
        return Conflict("input asset " + in.asset.str() + " is " +
                        std::string(Name(input->status)));
      // Reading an input is part of using it: the caller must be allowed to read it.
      policy::Decision rd = Decide(c, policy::Action::kRead, AssetResource(*input));
      if (!rd.allowed) return RecordDenial(tx, c, rd, "asset.read", input->id.str(), &denied);
      // A derivative is at least as sensitive as its inputs.
      job.output_classification = std::max(job.output_classification, input->classification);
      job.output_labels = UnionLabels(job.output_labels, input->labels);
      job.inputs.push_back(in);
      inputs_audit.push_back(
          json::object{{"asset", in.asset.str()}, {"role", in.role}, {"sha256", input->sha256}});
    }
    if (prompt_blob) {
      RETURN_IF_ERROR(tx.InsertBlob(*prompt_blob));
      AssetRecord p;
      p.id = NewId<AssetId>(random_);
      p.kind = AssetKind::kPrompt;
      p.project = project.id;
      p.owner = c.principal.id;
      p.on_behalf_of = c.principal.owner;
      p.title = req.title.empty() ? "prompt" : "prompt for " + req.title;
      p.media_type = "text/plain; charset=utf-8";
      p.size = prompt_blob->size;
      p.sha256 = prompt_blob->sha256;
      p.blob = prompt_blob->id;
      p.classification = job.output_classification;
      p.labels = UnionLabels(req.labels, {});
      p.created_at = p.stage_changed_at = clock_.Now();
      if (dlp_on) {
        p.dlp = prompt_scan.Summary(clock_.Now());
        p.findings = prompt_scan.Records(false);
      }
      RETURN_IF_ERROR(tx.InsertAsset(p));
      job.inputs.push_back(JobInput{p.id, "prompt"});
      inputs_audit.push_back(
          json::object{{"asset", p.id.str()}, {"role", "prompt"}, {"sha256", p.sha256}});
    }
    RETURN_IF_ERROR(tx.InsertJob(job));
    audit::AuditEvent e = Event(c, audit_action, job.id.str(), "succeeded", &d);
    e.details["project"] = project.id.str();
    e.details["engine"] = job.engine;
    e.details["model"] = job.model;
    e.details["model_version"] = job.model_version;
    e.details["seed"] = job.seed;
    e.details["parameters_sha256"] = crypto::Sha256Hex(AsBytes(job.parameters_json));
    e.details["inputs"] = std::move(inputs_audit);
    if (!prompt_scan.empty()) e.details["dlp"] = prompt_scan.AuditJson(false);
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if ((!s.ok() || denied) && prompt_blob) (void)blobs_.Remove(written);
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  Publish("job.queued", job.project, {{"job", job.id.str()}});
  if (pool_) pool_->Notify();
  return job;
}

Result<JobRecord> Workflow::GetJob(const Caller& c, const JobId& id) {
  if (!LooksLike<JobId>(id.str())) return NotFound("no job " + id.str().substr(0, 40));
  ASSIGN_OR_RETURN(JobRecord j, store_.Read([&](ReadTx& tx) { return tx.GetJob(id); }));
  RETURN_IF_ERROR(AuthorizeRead(c, JobResource(j), "job.read"));
  return j;
}

Result<JobRecord> Workflow::CancelJob(const Caller& c, const JobId& id) {
  if (!LooksLike<JobId>(id.str())) return NotFound("no job " + id.str().substr(0, 40));
  std::optional<policy::Decision> denied;
  JobRecord j;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(j, tx.GetJob(id));
    policy::Decision d = Decide(c, policy::Action::kQueue, JobResource(j));
    if (!d.allowed) return RecordDenial(tx, c, d, "job.cancel", id.str(), &denied);
    if (j.status == JobStatus::kQueued) {
      j.status = JobStatus::kCancelled;
      j.finished_at = clock_.Now();
    } else if (j.status == JobStatus::kRunning) {
      j.cancel_requested = true;
    } else {
      return Conflict("job " + id.str() + " already " + std::string(Name(j.status)));
    }
    RETURN_IF_ERROR(tx.UpdateJob(j));
    RETURN_IF_ERROR(audit_.Append(tx, Event(c, "job.cancel", id.str(), "succeeded", &d)));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  if (j.cancel_requested) {
    std::lock_guard lock(cancel_mu_);
    cancel_requested_.insert(j.id);
  }
  Publish(j.status == JobStatus::kCancelled ? "job.cancelled" : "job.cancel_requested", j.project,
          {{"job", j.id.str()}, {"status", std::string(Name(j.status))}});
  return j;
}

// ---- JobRunner --------------------------------------------------------------------------------

Result<jobs::EngineRequest> Workflow::Prepare(const JobRecord& job) {
  jobs::EngineRequest req;
  req.job = job.id;
  req.kind = job.kind;
  req.model = job.model;
  req.seed = job.seed;
  ASSIGN_OR_RETURN(req.parameters, ParseJsonObject(job.parameters_json.empty()
                                                       ? std::string_view("{}")
                                                       : std::string_view(job.parameters_json)));
  for (const JobInput& in : job.inputs) {
    ASSIGN_OR_RETURN(AssetRecord a, store_.Read([&](ReadTx& tx) { return tx.GetAsset(in.asset); }));
    if (a.status != AssetStatus::kActive)
      return Conflict("input " + a.id.str() + " is " + std::string(Name(a.status)));
    ASSIGN_OR_RETURN(Bytes content, LoadBytes(a, uint64_t(512) << 20));
    req.inputs.push_back(jobs::EngineInput{a.id, in.role, a.media_type, std::move(content)});
  }
  Publish("job.started", job.project, {{"job", job.id.str()}, {"attempt", job.attempts}});
  return req;
}

Status Workflow::Complete(const JobRecord& job, const jobs::Engine& engine,
                          jobs::EngineOutput output) {
  // An engine's output is a file entering the studio like an upload: a provider may have signed
  // it with its own Content Credentials.
  VerifiedFile verified = VerifyFile(output.content, options_.credentials.trust, clock_.Now(),
                                     options_.credentials.max_verify_bytes);
  // ... and is scanned like one: findings in an output are flagged (recorded on the asset and in
  // the audit entry); an export of it is where policy can block.
  DlpScan output_scan = ScanForDlp(output.content, job.output_title, "output");
  BlobId written;
  ASSIGN_OR_RETURN(BlobRecord blob, StoreBytes(output.content, &written));
  AssetRecord a;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(JobRecord current, tx.GetJob(job.id));
    if (current.status != JobStatus::kRunning)
      return Conflict("job " + job.id.str() + " is no longer running");
    RETURN_IF_ERROR(tx.InsertBlob(blob));
    a.id = NewId<AssetId>(random_);
    a.kind = job.kind == JobKind::kEdit ? AssetKind::kEdit : AssetKind::kGeneration;
    a.project = job.project;
    a.owner = job.actor;
    a.on_behalf_of = job.on_behalf_of;
    a.media_type = output.media_type;
    a.size = blob.size;
    a.sha256 = blob.sha256;
    a.blob = blob.id;
    a.classification = job.output_classification;
    a.labels = job.output_labels;
    a.stage = Stage::kDraft;
    a.generated_by = job.id;
    a.created_at = a.stage_changed_at = clock_.Now();
    std::string title = job.output_title;
    for (const JobInput& in : job.inputs) {
      ASSIGN_OR_RETURN(AssetRecord input, tx.GetAsset(in.asset));
      // Inputs may have been reclassified since the job was queued: propagate again.
      a.classification = std::max(a.classification, input.classification);
      a.labels = UnionLabels(a.labels, input.labels);
      if (job.kind == JobKind::kEdit && in.role == "source") {
        a.previous_version = input.id;
        a.version = input.version + 1;
        if (title.empty()) title = input.title;
      }
    }
    a.title = title.empty() ? std::string(Name(a.kind)) : title;
    a.credentials = verified.credentials;
    if (options_.dlp.scanner) {
      a.dlp = output_scan.Summary(clock_.Now());
      a.findings = output_scan.Records(false);
    }
    RETURN_IF_ERROR(tx.InsertAsset(a));
    for (const JobInput& in : job.inputs) RETURN_IF_ERROR(tx.AddDerivation(a.id, in.asset, job.id));
    current.status = JobStatus::kSucceeded;
    current.output = a.id;
    current.progress = 1.0;
    current.finished_at = clock_.Now();
    current.lease_until.reset();
    RETURN_IF_ERROR(tx.UpdateJob(current));
    audit::AuditEvent e;
    e.principal = job.actor.str();
    if (job.on_behalf_of) e.on_behalf_of = job.on_behalf_of->str();
    e.action = "job.succeeded";
    e.resource = job.id.str();
    e.outcome = "succeeded";
    e.details["output"] = a.id.str();
    e.details["sha256"] = a.sha256;
    e.details["engine"] = std::string(engine.name());
    e.details["model_version"] = std::string(engine.version());
    e.details["classification"] = std::string(Name(a.classification));
    e.details["credentials"] = CredentialsJson(*a.credentials);
    if (!output_scan.empty()) e.details["dlp"] = output_scan.AuditJson(false);
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (!s.ok()) {
    (void)blobs_.Remove(written);
    return s;
  }
  {
    std::lock_guard lock(cancel_mu_);
    cancel_requested_.erase(job.id);
  }
  Publish("asset.created", job.project,
          {{"asset", a.id.str()}, {"kind", std::string(Name(a.kind))}, {"job", job.id.str()}});
  Publish("job.succeeded", job.project, {{"job", job.id.str()}, {"output", a.id.str()}});
  return OkStatus();
}

Status Workflow::Fail(const JobRecord& job, const Error& error, bool retry) {
  JobRecord current;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(current, tx.GetJob(job.id));
    if (current.status != JobStatus::kRunning) return OkStatus();
    current.status = retry ? JobStatus::kQueued : JobStatus::kFailed;
    current.error = error.message().substr(0, 1000);
    current.lease_until.reset();
    if (!retry) current.finished_at = clock_.Now();
    RETURN_IF_ERROR(tx.UpdateJob(current));
    audit::AuditEvent e =
        audit::SystemEvent(retry ? "job.retry" : "job.failed", job.id.str(), "failed");
    e.details["error"] = std::string(ErrorCodeName(error.code()));
    e.details["attempt"] = current.attempts;
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  Publish(retry ? "job.retry" : "job.failed", job.project,
          {{"job", job.id.str()}, {"error", error.message().substr(0, 300)}});
  if (retry && pool_) pool_->Notify();
  return s;
}

Status Workflow::Cancelled(const JobRecord& job) {
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(JobRecord current, tx.GetJob(job.id));
    if (current.status != JobStatus::kRunning) return OkStatus();
    current.status = JobStatus::kCancelled;
    current.finished_at = clock_.Now();
    current.lease_until.reset();
    RETURN_IF_ERROR(tx.UpdateJob(current));
    audit::AuditEvent e = audit::SystemEvent("job.cancelled", job.id.str(), "succeeded");
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  {
    std::lock_guard lock(cancel_mu_);
    cancel_requested_.erase(job.id);
  }
  Publish("job.cancelled", job.project, {{"job", job.id.str()}});
  return s;
}

void Workflow::Progress(const JobRecord& job, double fraction) {
  Publish("job.progress", job.project, {{"job", job.id.str()}, {"progress", fraction}});
}

bool Workflow::CancelRequested(const JobId& job) {
  std::lock_guard lock(cancel_mu_);
  return cancel_requested_.count(job) > 0;
}

Result<int> Workflow::RecoverJobs() {
  int recovered = 0;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(auto running, tx.ListJobs(JobStatus::kRunning, 100000));
    for (JobRecord& j : running) {
      bool again = !j.cancel_requested && j.attempts < j.max_attempts;
      j.status = j.cancel_requested ? JobStatus::kCancelled
                                    : (again ? JobStatus::kQueued : JobStatus::kFailed);
      j.lease_until.reset();
      if (!again) j.finished_at = clock_.Now();
      if (!again && !j.cancel_requested)
        j.error = "the worker stopped " + std::to_string(j.attempts) + " times";
      RETURN_IF_ERROR(tx.UpdateJob(j));
      audit::AuditEvent e =
          audit::SystemEvent("job.recovered", j.id.str(), std::string(Name(j.status)));
      e.details["attempts"] = j.attempts;
      RETURN_IF_ERROR(audit_.Append(tx, e));
      ++recovered;
    }
    return OkStatus();
  });
  RETURN_IF_ERROR(s);
  if (recovered && pool_) pool_->Notify();
  return recovered;
}

}  // namespace custody::workflow

// Review (submit, approve, reject), export (grant, scrub, sign, deliver), rollback, and approval
// lapsing.
#include <map>

#include "crypto/sha256.h"
#include "workflow/destination.h"
#include "workflow/views.h"
#include "workflow/workflow.h"

namespace custody::workflow {
namespace {

std::string ExtensionFor(const std::string& media_type) {
  if (media_type == "image/png") return ".png";
  if (media_type == "image/jpeg") return ".jpg";
  if (media_type == "image/webp") return ".webp";
  if (media_type == "audio/wav") return ".wav";
  if (media_type == "video/mp4") return ".mp4";
  if (media_type.rfind("text/plain", 0) == 0) return ".txt";
  return ".bin";
}

// Exports must be scrubbed (media/scrub.h) and signed (provenance): the formats both cover.
bool Scrubbable(const std::string& media_type) {
  return media_type == "image/png" || media_type == "image/jpeg" || media_type == "image/webp" ||
         media_type == "audio/wav" || media_type == "video/mp4";
}

// The metadata carrier a C2PA manifest store occupies (media/scrub.h names).
bool IsManifestCarrier(const std::string& carrier) {
  return carrier == "png:caBX" || carrier == "jpeg:APP11:JUMBF" || carrier == "webp:C2PA" ||
         carrier == "wav:C2PA" || carrier == "mp4:uuid:c2pa";
}

// Signing must add the manifest store and nothing else: the carriers after signing are the ones
// the scrub kept, plus the store's.
bool OnlyTheManifestWasAdded(const std::vector<std::string>& kept,
                             const std::vector<std::string>& after) {
  std::map<std::string, int> count;
  for (const auto& k : kept) ++count[k];
  bool store = false;
  for (const auto& a : after) {
    if (IsManifestCarrier(a)) {
      store = true;
      continue;
    }
    if (--count[a] < 0) return false;
  }
  for (const auto& [k, n] : count)
    if (n != 0) return false;
  return store;
}

}  // namespace

Result<AssetRecord> Workflow::Submit(const Caller& c, const AssetId& id) {
  if (!LooksLike<AssetId>(id.str())) return NotFound("no asset " + id.str().substr(0, 40));
  std::optional<policy::Decision> denied;
  AssetRecord a;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(a, tx.GetAsset(id));
    ASSIGN_OR_RETURN(auto facts, FactsOf(tx, a));
    policy::Decision d = Decide(c, policy::Action::kSubmit, AssetResource(a, facts));
    if (!d.allowed) return RecordDenial(tx, c, d, "asset.submit", id.str(), &denied);
    RETURN_IF_ERROR(CheckTransition(a.stage, Stage::kInReview));
    if (a.status != AssetStatus::kActive)
      return Conflict("asset is " + std::string(Name(a.status)));
    RETURN_IF_ERROR(tx.UpdateAssetStage(a.id, a.stage, Stage::kInReview, clock_.Now()));
    a.stage = Stage::kInReview;
    audit::AuditEvent e = Event(c, "asset.submit", id.str(), "succeeded", &d);
    e.details["sha256"] = a.sha256;
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  Publish("asset.stage", a.project, {{"asset", a.id.str()}, {"stage", "in_review"}});
  return a;
}

Result<ApproveResult> Workflow::Approve(const Caller& c, const AssetId& id,
                                        const std::string& sha256, std::string comment) {
  if (!LooksLike<AssetId>(id.str())) return NotFound("no asset " + id.str().substr(0, 40));
  if (comment.size() > 4000) return InvalidArgument("comment too long (max 4000)");
  std::optional<policy::Decision> denied;
  ApproveResult out;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(out.asset, tx.GetAsset(id));
    AssetRecord& a = out.asset;
    ASSIGN_OR_RETURN(auto facts, FactsOf(tx, a));
    policy::RequestContext ctx;
    ctx.sha256 = sha256;
    policy::Decision d = Decide(c, policy::Action::kApprove, AssetResource(a, facts), ctx);
    if (!d.allowed) return RecordDenial(tx, c, d, "asset.approve", id.str(), &denied);
    if (a.stage != Stage::kInReview)
      return Conflict("only assets in review can be approved (stage is " +
                      std::string(Name(a.stage)) + ")");
    ReviewRecord r;
    r.id = NewId<ReviewId>(random_);
    r.asset = a.id;
    r.sha256 = a.sha256;
    r.reviewer = c.principal.id;
    r.verdict = ReviewVerdict::kApprove;
    r.comment = std::move(comment);
    r.at = clock_.Now();
    r.expires_at = r.at + options_.review_window;
    RETURN_IF_ERROR(tx.InsertReview(r));
    out.review = r;
    // Count the approvals that qualify (this one included) to decide whether the stage moves.
    std::set<PrincipalId> approvers{c.principal.id};
    for (const auto& ap : facts.approvals) {
      if (ap.sha256 == a.sha256 && ap.reviewer_kind == PrincipalKind::kHuman &&
          !facts.contributors.count(ap.reviewer) &&
          (!ap.expires_at || *ap.expires_at > clock_.Now()))
        approvers.insert(ap.reviewer);
    }
    out.approvals = int(approvers.size());
    out.approvals_required =
        a.classification == Classification::kRestricted ? options_.restricted_approvals : 1;
    if (out.approvals >= out.approvals_required) {
      RETURN_IF_ERROR(tx.UpdateAssetStage(a.id, a.stage, Stage::kApproved, clock_.Now()));
      a.stage = Stage::kApproved;
    }
    audit::AuditEvent e = Event(c, "asset.approve", id.str(), "succeeded", &d);
    e.details["sha256"] = a.sha256;
    e.details["review"] = r.id.str();
    e.details["approvals"] = out.approvals;
    e.details["approvals_required"] = out.approvals_required;
    e.details["expires_at"] = FormatTime(*r.expires_at);
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  Publish("asset.stage", out.asset.project,
          {{"asset", out.asset.id.str()}, {"stage", std::string(Name(out.asset.stage))}});
  return out;
}

Result<AssetRecord> Workflow::Reject(const Caller& c, const AssetId& id, std::string comment) {
  if (!LooksLike<AssetId>(id.str())) return NotFound("no asset " + id.str().substr(0, 40));
  if (comment.size() > 4000) return InvalidArgument("comment too long (max 4000)");
  std::optional<policy::Decision> denied;
  AssetRecord a;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(a, tx.GetAsset(id));
    ASSIGN_OR_RETURN(auto facts, FactsOf(tx, a));
    policy::Decision d = Decide(c, policy::Action::kReject, AssetResource(a, facts));
    if (!d.allowed) return RecordDenial(tx, c, d, "asset.reject", id.str(), &denied);
    RETURN_IF_ERROR(CheckTransition(a.stage, Stage::kRejected));
    ReviewRecord r;
    r.id = NewId<ReviewId>(random_);
    r.asset = a.id;
    r.sha256 = a.sha256;
    r.reviewer = c.principal.id;
    r.verdict = ReviewVerdict::kReject;
    r.comment = std::move(comment);
    r.at = clock_.Now();
    RETURN_IF_ERROR(tx.InsertReview(r));
    RETURN_IF_ERROR(tx.UpdateAssetStage(a.id, a.stage, Stage::kRejected, clock_.Now()));
    a.stage = Stage::kRejected;
    audit::AuditEvent e = Event(c, "asset.reject", id.str(), "succeeded", &d);
    e.details["sha256"] = a.sha256;
    e.details["review"] = r.id.str();
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  Publish("asset.stage", a.project, {{"asset", a.id.str()}, {"stage", "rejected"}});
  return a;
}

Result<std::vector<ReviewRecord>> Workflow::Reviews(const Caller& c, const AssetId& id) {
  ASSIGN_OR_RETURN(AssetRecord a, GetAsset(c, id));
  return store_.Read([&](ReadTx& tx) { return tx.ReviewsOf(a.id); });
}

Result<GrantRecord> Workflow::RequestExport(const Caller& c, const AssetId& id,
                                            const std::string& destination, std::string file_name) {
  if (!LooksLike<AssetId>(id.str())) return NotFound("no asset " + id.str().substr(0, 40));
  const Destination* dest = FindDestination(destination);
  if (!dest) {
    std::string known;
    for (const auto& d : options_.destinations) known += " " + d.name;
    return InvalidArgument("unknown destination '" + destination.substr(0, 64) +
                           "'; configured:" + (known.empty() ? " none" : known));
  }
  if (!file_name.empty()) RETURN_IF_ERROR(ValidateFileName(file_name));
  std::optional<policy::Decision> denied;
  GrantRecord g;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(AssetRecord a, tx.GetAsset(id));
    ASSIGN_OR_RETURN(auto facts, FactsOf(tx, a));
    policy::RequestContext ctx;
    ctx.destination = destination;
    policy::Decision d = Decide(c, policy::Action::kRequestExport, AssetResource(a, facts), ctx);
    if (!d.allowed) return RecordDenial(tx, c, d, "export.grant", id.str(), &denied);
    if (!Scrubbable(a.media_type))
      return Error(
          ErrorCode::kUnsupportedMedia,
          "exports of " + a.media_type + " are not supported yet: its metadata cannot be scrubbed");
    g.id = NewId<GrantId>(random_);
    g.asset = a.id;
    g.sha256 = a.sha256;
    g.destination = destination;
    g.file_name = file_name.empty() ? a.id.str() + ExtensionFor(a.media_type) : file_name;
    g.requester = c.principal.id;
    g.issued_at = clock_.Now();
    g.expires_at = g.issued_at + options_.grant_ttl;
    RETURN_IF_ERROR(tx.InsertGrant(g));
    audit::AuditEvent e = Event(c, "export.grant", id.str(), "succeeded", &d);
    e.details["grant"] = g.id.str();
    e.details["sha256"] = g.sha256;
    e.details["destination"] = g.destination;
    e.details["file_name"] = g.file_name;
    e.details["expires_at"] = FormatTime(g.expires_at);
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  return g;
}

Result<ExportResult> Workflow::Export(const Caller& c, const GrantId& grant_id) {
  if (!LooksLike<GrantId>(grant_id.str()))
    return NotFound("no grant " + grant_id.str().substr(0, 40));
  // Step 1: decide, before reading a byte of the asset (a denied caller costs no work). The
  // grant is not consumed yet: the decision is taken again, with the DLP scan of the scrubbed
  // file, when the grant is used (step 2).
  std::optional<policy::Decision> denied;
  GrantRecord g;
  AssetRecord source;
  policy::Decision decision;
  auto decide = [&](ReadTx& tx, const DlpScan* scan) -> Result<policy::Decision> {
    ASSIGN_OR_RETURN(g, tx.GetGrant(grant_id));
    ASSIGN_OR_RETURN(source, tx.GetAsset(g.asset));
    ASSIGN_OR_RETURN(auto facts, FactsOf(tx, source));
    policy::RequestContext ctx;
    ctx.destination = g.destination;
    ctx.grant = policy::GrantFacts{g.asset,     g.sha256,     g.destination,
                                   g.requester, g.expires_at, g.used_at.has_value()};
    if (scan && options_.dlp.scanner) ctx.dlp = scan->Facts();
    return Decide(c, policy::Action::kExport, AssetResource(source, facts), ctx);
  };
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(decision, decide(tx, nullptr));
    if (!decision.allowed)
      return RecordDenial(tx, c, decision, "export.execute", source.id.str(), &denied);
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);

  // Step 2: render the delivery — scrub, prove the scrub by re-reading, scan what is left (the
  // kept metadata and the delivered file name) — then decide again with the findings and
  // consume the grant atomically, so a grant can be used once only even under concurrent
  // requests. Then sign last (a manifest built from the lineage, over the scrubbed bytes),
  // prove the signature verifies, deliver.
  const Destination* dest = FindDestination(g.destination);
  auto fail = [&](const Error& err) -> Error {
    (void)store_.Write([&](WriteTx& tx) -> Status {
      audit::AuditEvent e = Event(c, "export.delivery", source.id.str(), "failed");
      e.details["grant"] = g.id.str();
      e.details["error"] = err.message().substr(0, 300);
      RETURN_IF_ERROR(audit_.Append(tx, e));
      return OkStatus();
    });
    return err;
  };
  if (!dest) return fail(Error(ErrorCode::kUnavailable, "destination no longer configured"));
  auto original = LoadBytes(source, uint64_t(2) << 30);
  if (!original.ok()) return fail(original.error());
  ExportResult out;
  auto scrubbed = ScrubMetadata(*original, source.media_type, options_.scrub, &out.scrub);
  if (!scrubbed.ok()) return fail(scrubbed.error());
  auto remaining = ListMetadata(*scrubbed, source.media_type);
  if (!remaining.ok()) return fail(remaining.error());
  if (*remaining != out.scrub.kept)
    return fail(Internal("scrubbed output still carries metadata that should have been removed"));
  DlpScan export_scan = ScanForDlp(*scrubbed, g.file_name, "export");
  s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(decision, decide(tx, &export_scan));
    if (!decision.allowed) {
      if (!export_scan.empty()) {
        audit::AuditEvent scan_e = Event(c, "dlp.scan", source.id.str(), "blocked", &decision);
        scan_e.details["dlp"] = export_scan.AuditJson(true);
        scan_e.details["grant"] = g.id.str();
        RETURN_IF_ERROR(audit_.Append(tx, scan_e));
      }
      return RecordDenial(tx, c, decision, "export.execute", source.id.str(), &denied);
    }
    RETURN_IF_ERROR(tx.UseGrant(g.id, clock_.Now()));
    audit::AuditEvent e = Event(c, "export.execute", source.id.str(), "allowed", &decision);
    e.details["grant"] = g.id.str();
    e.details["destination"] = g.destination;
    if (!export_scan.empty()) e.details["dlp"] = export_scan.AuditJson(false);
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  // The export asset's id is chosen now: the manifest's instanceID names it.
  AssetRecord& ex = out.export_asset;
  ex.id = NewId<AssetId>(random_);
  json::array disclosures;
  auto signed_asset = SignWithLineage(c, source, *scrubbed, AssetInstanceId(ex.id), g.file_name,
                                      std::move(*original), 0, &disclosures);
  if (!signed_asset.ok()) return fail(signed_asset.error());
  const Bytes& delivery = signed_asset->bytes;
  auto carriers = ListMetadata(delivery, source.media_type);
  if (!carriers.ok()) return fail(carriers.error());
  if (!OnlyTheManifestWasAdded(out.scrub.kept, *carriers))
    return fail(Internal("signing added metadata other than the C2PA manifest store"));
  VerifiedFile check =
      VerifyFile(delivery, options_.credentials.trust, clock_.Now(), uint64_t(2) << 30);
  if (check.credentials.state == CredentialsState::kInvalid ||
      check.credentials.state == CredentialsState::kNone) {
    std::string why;
    for (const auto& f : check.credentials.failures) why += " " + f;
    return fail(Internal("the signed export does not verify:" + why));
  }
  out.manifest_label = signed_asset->manifest_label;
  json::object credentials{{"manifest", out.manifest_label},
                           {"state", std::string(Name(check.credentials.state))},
                           {"disclosures", std::move(disclosures)}};
  const provenance::cose::Signer& signer = *options_.credentials.signer;
  credentials["alg"] = std::string(provenance::cose::AlgorithmName(signer.algorithm()));
  if (!signer.certificate_chain().empty()) {
    if (auto cert = provenance::SummarizeCertificate(signer.certificate_chain()[0]); cert.ok()) {
      credentials["signer"] = cert->subject_common_name;
      credentials["signer_organization"] = cert->subject_organization;
      credentials["issuer"] = cert->issuer_common_name;
    }
  }
  if (check.report && check.report->signature && check.report->signature->time)
    credentials["timestamp"] = FormatTime(*check.report->signature->time);
  ex.credentials = std::move(check.credentials);
  BlobId blob_id;
  auto blob = StoreBytes(delivery, &blob_id);
  if (!blob.ok()) return fail(blob.error());
  auto delivered = DeliverToFolder(dest->root, g.file_name, delivery);
  if (!delivered.ok()) {
    (void)blobs_.Remove(blob_id);
    return fail(delivered.error());
  }

  // Step 3: record the export asset, its lineage and the publication.
  PublicationRecord& pub = out.publication;
  s = store_.Write([&](WriteTx& tx) -> Status {
    RETURN_IF_ERROR(tx.InsertBlob(*blob));
    ex.kind = AssetKind::kExport;
    ex.project = source.project;
    ex.owner = c.principal.id;
    ex.on_behalf_of = c.principal.owner;
    ex.title = g.file_name;
    ex.media_type = source.media_type;
    ex.size = blob->size;
    ex.sha256 = blob->sha256;
    ex.blob = blob->id;
    ex.classification = source.classification;
    ex.labels = source.labels;
    ex.stage = Stage::kPublished;
    ex.created_at = ex.stage_changed_at = clock_.Now();
    if (options_.dlp.scanner) {
      ex.dlp = export_scan.Summary(clock_.Now());
      ex.findings = export_scan.Records(false);
    }
    RETURN_IF_ERROR(tx.InsertAsset(ex));
    RETURN_IF_ERROR(tx.AddDerivation(ex.id, source.id, std::nullopt));
    pub.id = NewId<PublicationId>(random_);
    pub.source_asset = source.id;
    pub.export_asset = ex.id;
    pub.grant = g.id;
    pub.destination = g.destination;
    pub.path = g.file_name;
    pub.sha256 = ex.sha256;
    pub.published_by = c.principal.id;
    pub.published_at = clock_.Now();
    pub.rollback_method = "delete-file";
    RETURN_IF_ERROR(tx.InsertPublication(pub));
    ASSIGN_OR_RETURN(AssetRecord current, tx.GetAsset(source.id));
    if (current.stage == Stage::kApproved)
      RETURN_IF_ERROR(
          tx.UpdateAssetStage(source.id, Stage::kApproved, Stage::kPublished, clock_.Now()));
    audit::AuditEvent e = Event(c, "export.delivered", source.id.str(), "succeeded", &decision);
    e.details["grant"] = g.id.str();
    e.details["publication"] = pub.id.str();
    e.details["export_asset"] = ex.id.str();
    e.details["source_sha256"] = source.sha256;
    e.details["delivered_sha256"] = ex.sha256;
    e.details["destination"] = g.destination;
    e.details["path"] = g.file_name;
    json::array removed;
    for (const auto& r : out.scrub.removed) removed.emplace_back(r);
    e.details["metadata_removed"] = std::move(removed);
    e.details["credentials"] = credentials;
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  if (!s.ok()) {
    (void)RemoveDelivered(dest->root, g.file_name, blob->sha256);
    (void)blobs_.Remove(blob_id);
    return fail(s.error());
  }
  Publish("asset.stage", source.project, {{"asset", source.id.str()}, {"stage", "published"}});
  return out;
}

Result<PublicationRecord> Workflow::GetPublication(const Caller& c, const PublicationId& id) {
  if (!LooksLike<PublicationId>(id.str()))
    return NotFound("no publication " + id.str().substr(0, 40));
  ASSIGN_OR_RETURN(PublicationRecord p,
                   store_.Read([&](ReadTx& tx) { return tx.GetPublication(id); }));
  ASSIGN_OR_RETURN(AssetRecord a, GetAsset(c, p.source_asset));
  return p;
}

Result<PublicationRecord> Workflow::Rollback(const Caller& c, const PublicationId& id) {
  if (!LooksLike<PublicationId>(id.str()))
    return NotFound("no publication " + id.str().substr(0, 40));
  std::optional<policy::Decision> denied;
  PublicationRecord p;
  AssetRecord source;
  policy::Decision decision;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(p, tx.GetPublication(id));
    ASSIGN_OR_RETURN(source, tx.GetAsset(p.source_asset));
    ASSIGN_OR_RETURN(auto facts, FactsOf(tx, source));
    decision = Decide(c, policy::Action::kRollback, AssetResource(source, facts));
    if (!decision.allowed)
      return RecordDenial(tx, c, decision, "publication.rollback", id.str(), &denied);
    return OkStatus();
  });
  if (denied) return DeniedError(*denied);
  RETURN_IF_ERROR(s);
  if (p.status == PublicationStatus::kRolledBack)
    return Conflict("publication " + id.str() + " was already rolled back");
  const Destination* dest = FindDestination(p.destination);
  if (!dest) return Error(ErrorCode::kUnavailable, "destination no longer configured");
  auto removed = RemoveDelivered(dest->root, p.path, p.sha256);
  if (!removed.ok()) {
    (void)store_.Write([&](WriteTx& tx) -> Status {
      audit::AuditEvent e = Event(c, "publication.rollback", id.str(), "failed", &decision);
      e.details["error"] = removed.error().message().substr(0, 300);
      RETURN_IF_ERROR(audit_.Append(tx, e));
      return OkStatus();
    });
    return removed.error();
  }
  s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(p, tx.GetPublication(id));
    if (p.status == PublicationStatus::kRolledBack)
      return Conflict("publication " + id.str() + " was already rolled back");
    p.status = PublicationStatus::kRolledBack;
    p.rolled_back_at = clock_.Now();
    p.rolled_back_by = c.principal.id;
    RETURN_IF_ERROR(tx.UpdatePublication(p));
    RETURN_IF_ERROR(tx.UpdateAssetStatus(p.export_asset, AssetStatus::kRecalled));
    ASSIGN_OR_RETURN(auto pubs, tx.PublicationsOf(p.source_asset));
    bool others_active = false;
    for (const auto& q : pubs)
      others_active |= q.id != p.id && q.status == PublicationStatus::kActive;
    ASSIGN_OR_RETURN(AssetRecord current, tx.GetAsset(p.source_asset));
    if (!others_active && current.stage == Stage::kPublished)
      RETURN_IF_ERROR(
          tx.UpdateAssetStage(current.id, Stage::kPublished, Stage::kApproved, clock_.Now()));
    audit::AuditEvent e = Event(c, "publication.rollback", id.str(), "succeeded", &decision);
    e.details["destination"] = p.destination;
    e.details["path"] = p.path;
    e.details["sha256"] = p.sha256;
    e.details["result"] = *removed == RemoveOutcome::kRemoved ? "file-deleted" : "already-absent";
    RETURN_IF_ERROR(audit_.Append(tx, e));
    return OkStatus();
  });
  RETURN_IF_ERROR(s);
  return p;
}

Result<int> Workflow::LapseApprovals() {
  int lapsed = 0;
  std::vector<std::pair<AssetId, ProjectId>> moved;
  Status s = store_.Write([&](WriteTx& tx) -> Status {
    ASSIGN_OR_RETURN(auto expired, tx.ExpiredApprovals(clock_.Now()));
    for (const ReviewRecord& r : expired) {
      RETURN_IF_ERROR(tx.MarkReviewLapsed(r.id));
      ASSIGN_OR_RETURN(AssetRecord a, tx.GetAsset(r.asset));
      if (a.stage == Stage::kApproved) {
        RETURN_IF_ERROR(
            tx.UpdateAssetStage(a.id, Stage::kApproved, Stage::kInReview, clock_.Now()));
        moved.emplace_back(a.id, a.project);
      }
      audit::AuditEvent e = audit::SystemEvent("approval.lapsed", r.asset.str(), "succeeded");
      e.details["review"] = r.id.str();
      e.details["reviewer"] = r.reviewer.str();
      e.details["sha256"] = r.sha256;
      RETURN_IF_ERROR(audit_.Append(tx, e));
      ++lapsed;
    }
    return OkStatus();
  });
  RETURN_IF_ERROR(s);
  for (const auto& [a, p] : moved)
    Publish("asset.stage", p, {{"asset", a.str()}, {"stage", "in_review"}});
  return lapsed;
}

}  // namespace custody::workflow

#include "cli/commands.h"

#include "cli/command_util.h"

namespace custody::cli {

void RegisterCommands(CLI::App& app, int* exit_code, OfflineAuditVerify offline_verify) {
  RegisterAuthCommands(app, exit_code);
  RegisterAdminCommands(app, exit_code);
  RegisterAssetCommands(app, exit_code);
  RegisterJobCommands(app, exit_code);
  RegisterAuditCommands(app, exit_code, std::move(offline_verify));
  RegisterPolicyCommands(app, exit_code);
  RegisterVerifyCommand(app, exit_code);
  RegisterInventoryCommand(app, exit_code);
}

}  // namespace custody::cli

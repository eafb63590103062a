#include "deliveryhook/webhook/replay_journal.h"

#include "jobs/job_database.h"

namespace deliveryhook::webhook {

Result<std::unique_ptr<ReplayJournal>> ReplayJournal::Open(const std::string& path) {
  auto database = jobs::JobDatabase::Open(path);
  if (!database) return database.error();
  return std::unique_ptr<ReplayJournal>(new ReplayJournal(std::move(*database)));
}

ReplayJournal::ReplayJournal(std::unique_ptr<jobs::JobDatabase> database)
    : database_(std::move(database)) {}
ReplayJournal::~ReplayJournal() = default;

Status ReplayJournal::Save(const ReplayEntry& entry, std::int64_t now) {
  return database_->SaveReplay({entry.key_id, entry.replay_key, entry.expires_at}, now);
}

Result<std::vector<ReplayEntry>> ReplayJournal::Load(std::int64_t now) {
  auto rows = database_->LoadReplays(now);
  if (!rows) return rows.error();
  std::vector<ReplayEntry> entries;
  entries.reserve(rows->size());
  for (auto& row : *rows) {
    entries.push_back({std::move(row.key_id), std::move(row.replay_key), row.expires_at});
  }
  return entries;
}

}  // namespace deliveryhook::webhook

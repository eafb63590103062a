// The replay memory on disk: the accepted requests of the last window, kept
// in the job database (DATA_DIR/jobs.sqlite3, table `replays`) so that a
// request captured before a restart cannot be replayed after it. One insert
// per accepted request; expired rows are deleted as new ones are written.
//
// Example:
//
//   auto journal = webhook::ReplayJournal::Open(data_dir + "/jobs.sqlite3");
//   if (!journal) return journal.error();
//   verifier.RestoreReplays((*journal)->Load(now).value_or({}));
//   verifier.SetReplayJournal([&](const ReplayEntry& e) { (*journal)->Save(e, now()); });
//
// Thread-safe (SQLite serializes the connection).
#ifndef DELIVERYHOOK_WEBHOOK_REPLAY_JOURNAL_H_
#define DELIVERYHOOK_WEBHOOK_REPLAY_JOURNAL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "deliveryhook/result.h"
#include "deliveryhook/webhook/verifier.h"  // ReplayEntry

namespace deliveryhook::jobs {
class JobDatabase;
}

namespace deliveryhook::webhook {

class ReplayJournal {
 public:
  // Opens (creating if needed, mode 0600) the database at `path`.
  static Result<std::unique_ptr<ReplayJournal>> Open(const std::string& path);
  ~ReplayJournal();

  Status Save(const ReplayEntry& entry, std::int64_t now);
  // The entries that have not expired at `now`.
  Result<std::vector<ReplayEntry>> Load(std::int64_t now);

 private:
  explicit ReplayJournal(std::unique_ptr<jobs::JobDatabase> database);
  std::unique_ptr<jobs::JobDatabase> database_;
};

}  // namespace deliveryhook::webhook

#endif  // DELIVERYHOOK_WEBHOOK_REPLAY_JOURNAL_H_

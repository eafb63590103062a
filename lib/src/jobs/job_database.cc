#include "jobs/job_database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

namespace deliveryhook::jobs {
namespace {

constexpr char kSchema[] = R"sql(
  PRAGMA journal_mode = WAL;
  PRAGMA synchronous = NORMAL;
  CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    action TEXT NOT NULL,
    container_name TEXT NOT NULL,
    project TEXT NOT NULL,
    service TEXT NOT NULL,
    state TEXT NOT NULL,
    step TEXT NOT NULL,
    error TEXT NOT NULL,
    image_id TEXT NOT NULL,
    container_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    log TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS jobs_by_creation ON jobs (created_at);
  CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY, checked_at INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS replays (
    key_id TEXT NOT NULL,
    replay_key TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, replay_key));
  CREATE INDEX IF NOT EXISTS replays_by_expiry ON replays (expires_at);
)sql";

// Columns added after the first release: a database an older hook made
// gets them (empty) when opened, and keeps its history.
constexpr const char* kAddedColumns[] = {"image",       "digest",          "request_id",
                                         "previous_image_id", "previous_repo_digest",
                                         "repo_digest", "key_id"};

JobState StateFromName(const std::string& name) {
  for (JobState state : {JobState::kQueued, JobState::kRunning, JobState::kSucceeded,
                         JobState::kFailed, JobState::kRolledBack}) {
    if (ToString(state) == name) return state;
  }
  return JobState::kFailed;
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const auto& line : lines) joined += line + "\n";
  return joined;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Owns one prepared statement.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr); }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return statement_ != nullptr; }
  void Bind(int index, const std::string& text) {
    sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                      SQLITE_TRANSIENT);
  }
  void Bind(int index, std::int64_t number) { sqlite3_bind_int64(statement_, index, number); }
  int Step() { return sqlite3_step(statement_); }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(statement_, column);
    return text == nullptr ? std::string() : reinterpret_cast<const char*>(text);
  }
  std::int64_t Number(int column) const { return sqlite3_column_int64(statement_, column); }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

}  // namespace

struct JobDatabase::Handle {
  sqlite3* db = nullptr;
  ~Handle() { sqlite3_close(db); }

  Error Failure(const std::string& what) const {
    return Error(ErrorCode::kInternal, what + ": " + sqlite3_errmsg(db));
  }
};

namespace {

bool HasColumn(sqlite3* db, const std::string& column) {
  Statement info(db, "SELECT name FROM pragma_table_info('jobs')");
  if (!info.ok()) return false;
  while (info.Step() == SQLITE_ROW) {
    if (info.Text(0) == column) return true;
  }
  return false;
}

}  // namespace

JobDatabase::JobDatabase(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
JobDatabase::~JobDatabase() = default;

Result<std::unique_ptr<JobDatabase>> JobDatabase::Open(const std::string& path) {
  // Created 0600 before SQLite opens it (its -wal and -shm files take the
  // database's mode); one an older hook made with the umask's mode is
  // narrowed.
  if (const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600); fd >= 0) {
    ::fchmod(fd, 0600);
    ::close(fd);
  }
  auto handle = std::make_unique<Handle>();
  if (sqlite3_open_v2(path.c_str(), &handle->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    return Error(ErrorCode::kFailedPrecondition,
                 "cannot open the job database " + path + ": " +
                     (handle->db ? sqlite3_errmsg(handle->db) : "out of memory"));
  }
  sqlite3_busy_timeout(handle->db, 5000);
  if (sqlite3_exec(handle->db, kSchema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return handle->Failure("cannot create the job table in " + path);
  }
  for (const char* column : kAddedColumns) {
    if (HasColumn(handle->db, column)) continue;
    const std::string add =
        std::string("ALTER TABLE jobs ADD COLUMN ") + column + " TEXT NOT NULL DEFAULT ''";
    if (sqlite3_exec(handle->db, add.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
      return handle->Failure("cannot add the column " + std::string(column) + " in " + path);
    }
  }
  return std::unique_ptr<JobDatabase>(new JobDatabase(std::move(handle)));
}

Status JobDatabase::Save(const Job& job) {
  Statement insert(handle_->db, R"sql(
      INSERT OR REPLACE INTO jobs (id, token, action, container_name, project, service, state,
        step, error, image_id, container_id, created_at, started_at, finished_at, log, image,
        digest, request_id, previous_image_id, previous_repo_digest, repo_digest, key_id)
      VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
        ?19, ?20, ?21, ?22))sql");
  if (!insert.ok()) return handle_->Failure("prepare save");
  int i = 1;
  for (const std::string* text : {&job.id, &job.token, &job.action, &job.container_name,
                                  &job.project, &job.service}) {
    insert.Bind(i++, *text);
  }
  insert.Bind(i++, std::string(ToString(job.state)));
  for (const std::string* text : {&job.step, &job.error, &job.image_id, &job.container_id}) {
    insert.Bind(i++, *text);
  }
  for (std::int64_t number : {job.created_at, job.started_at, job.finished_at}) {
    insert.Bind(i++, number);
  }
  insert.Bind(i++, JoinLines(job.log));
  insert.Bind(i++, job.image);
  insert.Bind(i++, job.digest);
  insert.Bind(i++, job.request_id);
  insert.Bind(i++, job.previous_image_id);
  insert.Bind(i++, job.previous_repo_digest);
  insert.Bind(i++, job.repo_digest);
  insert.Bind(i, job.key_id);
  if (insert.Step() != SQLITE_DONE) return handle_->Failure("save job " + job.id);
  return Ok();
}

Result<std::vector<Job>> JobDatabase::LoadNewest(std::size_t limit) {
  Statement select(handle_->db, R"sql(
      SELECT id, token, action, container_name, project, service, state, step, error,
        image_id, container_id, created_at, started_at, finished_at, log, image, digest,
        request_id, previous_image_id, previous_repo_digest, repo_digest, key_id
      FROM jobs ORDER BY created_at DESC LIMIT ?1)sql");
  if (!select.ok()) return handle_->Failure("prepare load");
  select.Bind(1, static_cast<std::int64_t>(limit));
  std::vector<Job> jobs;
  int status;
  while ((status = select.Step()) == SQLITE_ROW) {
    Job job;
    job.id = select.Text(0);
    job.token = select.Text(1);
    job.action = select.Text(2);
    job.container_name = select.Text(3);
    job.project = select.Text(4);
    job.service = select.Text(5);
    job.state = StateFromName(select.Text(6));
    job.step = select.Text(7);
    job.error = select.Text(8);
    job.image_id = select.Text(9);
    job.container_id = select.Text(10);
    job.created_at = select.Number(11);
    job.started_at = select.Number(12);
    job.finished_at = select.Number(13);
    job.log = SplitLines(select.Text(14));
    job.image = select.Text(15);
    job.digest = select.Text(16);
    job.request_id = select.Text(17);
    job.previous_image_id = select.Text(18);
    job.previous_repo_digest = select.Text(19);
    job.repo_digest = select.Text(20);
    job.key_id = select.Text(21);
    jobs.push_back(std::move(job));
  }
  if (status != SQLITE_DONE) return handle_->Failure("load jobs");
  return jobs;
}

Status JobDatabase::CheckWritable() {
  Statement probe(handle_->db, R"sql(
      INSERT OR REPLACE INTO health_probe (id, checked_at) VALUES (1, strftime('%s', 'now')))sql");
  if (!probe.ok()) return handle_->Failure("prepare health probe");
  if (probe.Step() != SQLITE_DONE) return handle_->Failure("write to the job database");
  return Ok();
}

Status JobDatabase::Prune(std::int64_t oldest_kept_millis, std::size_t keep) {
  Statement by_age(handle_->db, "DELETE FROM jobs WHERE created_at < ?1");
  Statement by_count(handle_->db, R"sql(
      DELETE FROM jobs WHERE id NOT IN
        (SELECT id FROM jobs ORDER BY created_at DESC LIMIT ?1))sql");
  if (!by_age.ok() || !by_count.ok()) return handle_->Failure("prepare prune");
  by_age.Bind(1, oldest_kept_millis);
  by_count.Bind(1, static_cast<std::int64_t>(keep));
  if (by_age.Step() != SQLITE_DONE || by_count.Step() != SQLITE_DONE) {
    return handle_->Failure("prune jobs");
  }
  return Ok();
}

Status JobDatabase::SaveReplay(const ReplayRow& row, std::int64_t now) {
  Statement forget(handle_->db, "DELETE FROM replays WHERE expires_at <= ?1");
  Statement insert(handle_->db, R"sql(
      INSERT OR REPLACE INTO replays (key_id, replay_key, expires_at) VALUES (?1, ?2, ?3))sql");
  if (!forget.ok() || !insert.ok()) return handle_->Failure("prepare save replay");
  forget.Bind(1, now);
  insert.Bind(1, row.key_id);
  insert.Bind(2, row.replay_key);
  insert.Bind(3, row.expires_at);
  if (forget.Step() != SQLITE_DONE || insert.Step() != SQLITE_DONE) {
    return handle_->Failure("save replay entry");
  }
  return Ok();
}

Result<std::vector<ReplayRow>> JobDatabase::LoadReplays(std::int64_t now) {
  Statement select(handle_->db,
                   "SELECT key_id, replay_key, expires_at FROM replays WHERE expires_at > ?1");
  if (!select.ok()) return handle_->Failure("prepare load replays");
  select.Bind(1, now);
  std::vector<ReplayRow> rows;
  int status;
  while ((status = select.Step()) == SQLITE_ROW) {
    rows.push_back({select.Text(0), select.Text(1), select.Number(2)});
  }
  if (status != SQLITE_DONE) return handle_->Failure("load replays");
  return rows;
}

}  // namespace deliveryhook::jobs

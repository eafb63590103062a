// `delivery-hook jobs`: the hook's recent jobs, as a table or the raw JSON.
#include <algorithm>
#include <array>
#include <ostream>

#include "commands.h"

namespace deliveryhook::app::cli {
namespace {

std::string Printable(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return line;
}

}  // namespace

std::string FormatAge(std::int64_t created_at_ms, std::int64_t now_ms) {
  if (created_at_ms <= 0) return "-";
  const std::int64_t seconds = std::max<std::int64_t>(0, (now_ms - created_at_ms) / 1000);
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 86400) return std::to_string(seconds / 3600) + "h";
  return std::to_string(seconds / 86400) + "d";
}

std::string FormatJobsTable(const std::vector<JobView>& jobs, std::int64_t now_ms) {
  constexpr std::size_t kColumns = 6;
  using Row = std::array<std::string, kColumns>;
  std::vector<Row> rows = {{"ID", "STATE", "ACTION", "CONTAINER", "AGE", "ERROR"}};
  for (const JobView& job : jobs) {
    const std::string container = !job.container_name.empty() ? job.container_name
                                  : job.project.empty()       ? std::string("-")
                                                              : job.project + "/" + job.service;
    rows.push_back({Printable(job.id), Printable(job.state), Printable(job.action),
                    Printable(container), FormatAge(job.created_at, now_ms),
                    Printable(job.error)});
  }
  std::array<std::size_t, kColumns> widths{};
  for (const Row& row : rows) {
    for (std::size_t i = 0; i < kColumns; ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string table;
  for (const Row& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < kColumns; ++i) {
      line += row[i];
      if (i + 1 < kColumns) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    table += line + "\n";
  }
  return table;
}

int RunJobs(const JobsOptions& options, HookClient& client, const CommandIo& io) {
  std::ostream& err = *io.err;
  auto response = client.ListJobs();
  if (!response) {
    err << "delivery-hook jobs: " << response.error().message() << "\n";
    return kExitError;
  }
  if (response->status != 200) {
    err << "delivery-hook jobs: " << DescribeRefusal(response->status, ErrorMessageOf(*response))
        << "\n";
    return kExitError;
  }
  auto jobs = ParseJobList(response->body);
  if (!jobs) {
    err << "delivery-hook jobs: " << jobs.error().message() << "\n";
    return kExitError;
  }
  if (options.json) {
    *io.out << response->body << "\n";
  } else if (jobs->empty()) {
    err << "delivery-hook jobs: no jobs yet\n";
  } else {
    *io.out << FormatJobsTable(*jobs, io.unix_millis());
  }
  io.out->flush();
  return kExitOk;
}

}  // namespace deliveryhook::app::cli

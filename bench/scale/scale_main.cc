// bench/scale/scale_main.cc — `cassvault-scale`: builds a synthetic vault of a given shape through the real
// engine, and runs one engine-side probe per process (bench/scale/run drives it, with the real `cassvault`
// for list and maintain). Not shipped; a benchmark and a CI smoke test only.
//
//   cassvault-scale build --vault URL --key-file F --shape-out F [--nodes N --backups-per-node B
//                         --blobs-per-node K --part-size BYTES --refs R --threads T]
//   cassvault-scale startup --shape F --key-file F --node I [--cache-dir D]   -> one JSON line on stdout
//   cassvault-scale restore-plan --shape F --key-file F --node I              -> one JSON line on stdout
// Azure: the environment as for cassvault (AZURE_STORAGE_KEY, CASSVAULT_AZURE_ENDPOINT).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "bench/scale/probes.h"
#include "bench/scale/synthetic_vault.h"

namespace {

int Fail(const cv::Status& st) {
  std::cerr << "cassvault-scale: " << st.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"cassvault-scale: synthetic vaults of a given shape, and what loading them costs"};
  app.require_subcommand(1);
  std::string key_file, vault_url, shape_path, cache_dir, ca_file;
  cv::scale::Shape shape;
  int node = 0;

  auto* build = app.add_subcommand("build", "create a vault of the given shape");
  build->add_option("--vault", vault_url, "file:///DIR or azure://ACCOUNT/CONTAINER/PREFIX")->required();
  build->add_option("--key-file", key_file, "the vault's key file (made if missing)")->required();
  build->add_option("--shape-out", shape_path, "where to write what was built (JSON)")->required();
  build->add_option("--nodes", shape.nodes);
  build->add_option("--backups-per-node", shape.backups_per_node);
  build->add_option("--blobs-per-node", shape.blobs_per_node);
  build->add_option("--part-size", shape.part_size, "bytes per part");
  build->add_option("--refs", shape.refs_per_backup, "older blobs each backup names again");
  build->add_option("--threads", shape.threads, "nodes built at once");
  for (const char* name : {"startup", "restore-plan"}) {
    auto* sub = app.add_subcommand(name, std::string("probe: ") + name + " of one node");
    sub->add_option("--shape", shape_path, "the shape file `build` wrote")->required();
    sub->add_option("--key-file", key_file, "the vault's key file")->required();
    sub->add_option("--node", node, "which node of the shape (0-based)")->required();
    if (std::string(name) == "startup") sub->add_option("--cache-dir", cache_dir, "local index cache dir");
  }
  for (auto* sub : app.get_subcommands({})) sub->add_option("--ca-file", ca_file, "PEM bundle to trust");
  CLI11_PARSE(app, argc, argv);

  cv::backends::StoreSettings settings;
  settings.ca_file = ca_file;
  if (build->parsed()) {
    if (!std::filesystem::exists(key_file)) {
      if (cv::Status st = cv::crypto::WriteNewKeyFile(key_file); !st.ok()) return Fail(st);
    }
  }
  auto secret = cv::crypto::LoadKeyFile(key_file);
  if (!secret.ok()) return Fail(secret.status());

  if (build->parsed()) {
    auto built = cv::scale::BuildVault(vault_url, settings, *secret, shape);
    if (!built.ok()) return Fail(built.status());
    if (cv::Status st = cv::scale::WriteShapeFile(shape_path, *built); !st.ok()) return Fail(st);
    std::cerr << "cassvault-scale: " << built->backups << " backups, " << built->blobs << " blobs in "
              << built->seconds << " s\n";
    return 0;
  }
  auto built = cv::scale::ReadShapeFile(shape_path);
  if (!built.ok()) return Fail(built.status());
  auto report = app.got_subcommand("startup")
                    ? cv::scale::ProbeStartup(*built, node, settings, *secret, cache_dir)
                    : cv::scale::ProbeRestorePlan(*built, node, settings, *secret);
  if (!report.ok()) return Fail(report.status());
  std::cout << *report << "\n";
  return 0;
}

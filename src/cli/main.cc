#include <CLI/CLI.hpp>
#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"cassvault — backup and restore for Apache Cassandra"};
  app.set_version_flag("--version", std::string("cassvault ") + CASSVAULT_VERSION);
  CLI11_PARSE(app, argc, argv);
  return 0;
}

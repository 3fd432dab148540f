// Shared pieces of the `calibra` command line: error reporting and formatting.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>

#include "calibra/status.h"

namespace calibra::cli {

// Prints "calibra: error: <message>" (one line) and returns the exit code for it.
int fail(const Status& s);
int fail(const std::string& message, int code = 1);

std::string human_bytes(uint64_t n);
std::string fixed(double v, int digits);

// Subcommands: each registers itself on the app and returns the code to exit with.
void add_info(CLI::App& app, int* rc);
void add_run(CLI::App& app, int* rc);
void add_bench(CLI::App& app, int* rc);
void add_conformance(CLI::App& app, int* rc);
void add_eval(CLI::App& app, int* rc);
void add_calibrate(CLI::App& app, int* rc);

}  // namespace calibra::cli

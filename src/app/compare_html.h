// The comparison report as one self-contained HTML page (no network needed to open it):
// summary table, SVG charts (throughput and latency, layers and time by precision,
// per-layer time A vs B), and sortable, filterable tables of layers and changed
// predictions. The report's JSON is embedded too (<script id="report-data">), and every
// number shown carries its JSON path in data-key / data-value, so tests can check the page
// against the JSON.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace calibra::app {

// `report` is to_json(CompareResult); layers with |delta| below `min_delta_ms` start hidden
// (the page's filter box can change it).
std::string compare_html(const nlohmann::json& report, double min_delta_ms = 0);

}  // namespace calibra::app

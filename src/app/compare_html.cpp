#include "app/compare_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace calibra::app {

using json = nlohmann::json;

namespace {

std::string esc(const std::string& s) {
  std::string o;
  o.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default: o += c;
    }
  }
  return o;
}

std::string fmt(double v, int digits) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

// The exact JSON number as text (what a test compares against).
std::string raw(const json& v) { return v.is_number() ? v.dump() : ""; }

double num(const json& v, double def = 0) { return v.is_number() ? v.get<double>() : def; }

std::string bytes(double n) {
  const char* u[] = {"B", "KiB", "MiB", "GiB"};
  int i = 0;
  while (n >= 1024 && i < 3) n /= 1024, ++i;
  return fmt(n, i ? 1 : 0) + " " + u[i];
}

// A table cell for a JSON number at `key` (a path like "a.speed.throughput_fps").
std::string cell(const json& v, const std::string& key, const std::string& shown) {
  if (!v.is_number()) return "<td class=\"num\" data-key=\"" + esc(key) + "\">-</td>";
  return "<td class=\"num\" data-key=\"" + esc(key) + "\" data-value=\"" + raw(v) + "\">" + esc(shown) + "</td>";
}

std::string counts(const json& m) {
  std::string s;
  for (const char* p : {"U8", "I8", "FP32"})
    if (m.contains(p) && m[p].get<int>() > 0) s += (s.empty() ? "" : ", ") + std::string(p) + " " + std::to_string(m[p].get<int>());
  return s.empty() ? "-" : s;
}

const char* kColorA = "#5b7db1";
const char* kColorB = "#e08a3c";

std::string precision_color(const std::string& p) {
  if (p == "U8") return "#3c9d5d";
  if (p == "I8") return "#8fcf7a";
  if (p == "FP32") return "#5b7db1";
  return "#999999";
}

// Horizontal bars, one group per label, one bar per series (A, B).
std::string bar_chart(const std::string& title, const std::vector<std::string>& labels,
                      const std::vector<std::vector<double>>& values, const std::string& unit, int digits) {
  const int label_w = 170, bar_w = 380, row_h = 18, gap = 10;
  double mx = 0;
  for (const auto& g : values)
    for (double v : g) mx = std::max(mx, v);
  if (mx <= 0) mx = 1;
  const int h = static_cast<int>(labels.size()) * (2 * row_h + gap) + 30;
  std::string s = "<figure><figcaption>" + esc(title) + "</figcaption><svg role=\"img\" width=\"" +
                  std::to_string(label_w + bar_w + 110) + "\" height=\"" + std::to_string(h) + "\">";
  int y = 4;
  for (size_t i = 0; i < labels.size(); ++i) {
    s += "<text x=\"0\" y=\"" + std::to_string(y + row_h) + "\" class=\"lbl\">" + esc(labels[i]) + "</text>";
    for (size_t k = 0; k < values[i].size(); ++k) {
      const double v = values[i][k];
      const int w = std::max(1, static_cast<int>(std::lround(v / mx * bar_w)));
      s += "<rect x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y) + "\" width=\"" + std::to_string(w) +
           "\" height=\"" + std::to_string(row_h - 3) + "\" fill=\"" + (k == 0 ? kColorA : kColorB) + "\"><title>" +
           (k == 0 ? "A" : "B") + ": " + fmt(v, digits) + " " + esc(unit) + "</title></rect>";
      s += "<text x=\"" + std::to_string(label_w + w + 4) + "\" y=\"" + std::to_string(y + row_h - 5) + "\" class=\"val\">" +
           (k == 0 ? "A " : "B ") + fmt(v, digits) + "</text>";
      y += row_h;
    }
    y += gap;
  }
  s += "</svg></figure>";
  return s;
}

// One stacked bar per model: share of `what` (layers or ms) per precision.
std::string precision_chart(const std::string& title, const json& a, const json& b, const std::string& unit) {
  const int w = 460, bar_h = 22;
  std::string s = "<figure><figcaption>" + esc(title) + "</figcaption><svg role=\"img\" width=\"" + std::to_string(w + 60) +
                  "\" height=\"" + std::to_string(2 * (bar_h + 12) + 28) + "\">";
  int y = 4;
  for (const auto* m : {&a, &b}) {
    double total = 0;
    for (const auto& [k, v] : m->items()) total += num(v);
    s += "<text x=\"0\" y=\"" + std::to_string(y + 16) + "\" class=\"lbl\">" + (m == &a ? "A" : "B") + "</text>";
    double x = 24;
    for (const char* p : {"U8", "I8", "FP32"}) {
      if (!m->contains(p) || total <= 0) continue;
      const double v = num((*m)[p]);
      const double pw = v / total * (w - 30);
      if (pw <= 0) continue;
      s += "<rect x=\"" + fmt(x, 1) + "\" y=\"" + std::to_string(y) + "\" width=\"" + fmt(pw, 1) + "\" height=\"" +
           std::to_string(bar_h) + "\" fill=\"" + precision_color(p) + "\"><title>" + p + ": " + fmt(v, unit == "ms" ? 3 : 0) +
           " " + esc(unit) + "</title></rect>";
      if (pw > 40)
        s += "<text x=\"" + fmt(x + 4, 1) + "\" y=\"" + std::to_string(y + 15) + "\" class=\"inbar\">" + p + "</text>";
      x += pw;
    }
    y += bar_h + 12;
  }
  int lx = 24;
  for (const char* p : {"U8", "I8", "FP32"}) {
    s += "<rect x=\"" + std::to_string(lx) + "\" y=\"" + std::to_string(y + 2) + "\" width=\"12\" height=\"12\" fill=\"" +
         precision_color(p) + "\"/><text x=\"" + std::to_string(lx + 16) + "\" y=\"" + std::to_string(y + 12) +
         "\" class=\"val\">" + p + "</text>";
    lx += 70;
  }
  return s + "</svg></figure>";
}

std::string layer_name(const json& l) {
  const auto& nodes = l["nodes"];
  if (!nodes.is_array() || nodes.empty()) return "?";
  std::string n = nodes[0].get<std::string>();
  if (nodes.size() > 1) n += " +" + std::to_string(nodes.size() - 1);
  return n;
}

const char* kStyle = R"CSS(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1200px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 16px}
table{border-collapse:collapse;margin:8px 0}th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:left}
th{background:#f6f6f6;position:sticky;top:0}th.sortable{cursor:pointer;user-select:none}th.sortable:after{content:" \2195";color:#aaa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.good{color:#1a7f37}.bad{color:#c62828}
.pill{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;color:#fff}
.U8{background:#3c9d5d}.I8{background:#6fb85a}.FP32{background:#5b7db1}.none{background:#aaa}
figure{display:inline-block;margin:8px 24px 8px 0;vertical-align:top}figcaption{font-weight:600;margin-bottom:4px}
svg .lbl{font-size:12px}svg .val{font-size:11px;fill:#444}svg .inbar{font-size:11px;fill:#fff}
.controls{margin:8px 0}.controls input{width:90px}
.note{color:#888;font-size:12px}
)CSS";

const char* kScript = R"JS(
(function () {
  'use strict';
  function sortTable(table, col, numeric, dir) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      var a = x.cells[col], b = y.cells[col];
      var va = numeric ? parseFloat(a.getAttribute('data-value')) : a.textContent;
      var vb = numeric ? parseFloat(b.getAttribute('data-value')) : b.textContent;
      if (numeric) {
        if (isNaN(va)) va = -Infinity;
        if (isNaN(vb)) vb = -Infinity;
        return dir * (va - vb);
      }
      return dir * va.localeCompare(vb);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th, col) {
      th.classList.add('sortable');
      var dir = -1;  // the first click sorts ascending
      th.addEventListener('click', function () {
        dir = -dir;
        sortTable(table, col, th.getAttribute('data-type') === 'num', dir);
      });
    });
  });
  var filter = document.getElementById('min-delta');
  var shown = document.getElementById('layers-shown');
  function applyFilter() {
    var min = parseFloat(filter.value);
    if (isNaN(min) || min < 0) min = 0;
    var n = 0, rows = document.querySelectorAll('#layers tbody tr');
    rows.forEach(function (r) {
      var d = Math.abs(parseFloat(r.getAttribute('data-delta')));
      var show = !(d < min);
      r.style.display = show ? '' : 'none';
      if (show) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' layers shown';
  }
  if (filter) {
    filter.addEventListener('input', applyFilter);
    applyFilter();
  }
  document.body.setAttribute('data-ready', '1');
})();
)JS";

}  // namespace

std::string compare_html(const json& r, double min_delta_ms) {
  const json& A = r["a"];
  const json& B = r["b"];
  std::string h;
  h.reserve(1 << 16);
  h += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Calibra comparison: " + esc(A["path"]) +
       " vs " + esc(B["path"]) + "</title><style>" + kStyle + "</style></head><body>";
  h += "<h1>Calibra comparison</h1><p class=\"sub\">A: <b>" + esc(A["path"]) + "</b> (" + esc(A["precision"]) +
       ") &nbsp; B: <b>" + esc(B["path"]) + "</b> (" + esc(B["precision"]) + ")<br>";
  const json& st = r["settings"];
  h += "batch " + raw(st["batch"]) + ", " + raw(A["speed"]["threads"]) + " thread(s), " + raw(st["streams"]) +
       " stream(s), " + raw(r["rounds"]) + " alternating rounds";
  if (r["dataset"].is_object()) h += "; dataset: " + esc(r["dataset"].value("description", std::string()));
  h += "</p>";

  // Summary.
  h += "<h2>Summary</h2><table id=\"summary\"><thead><tr><th></th><th>A</th><th>B</th><th>B vs A</th></tr></thead><tbody>";
  if (A["accuracy"].is_object() && B["accuracy"].is_object()) {
    for (const char* m : {"top1", "top5"}) {
      const json& va = A["accuracy"][m];
      const json& vb = B["accuracy"][m];
      if (!va.is_number() || !vb.is_number()) continue;
      const json& drop = r["accuracy"][std::string(m) + "_drop"];
      double d = -100 * num(drop);
      if (std::fabs(d) < 0.005) d = 0;  // no "-0.00"
      h += std::string("<tr><td>Accuracy ") + (m[3] == '1' ? "top-1" : "top-5") + "</td>" +
           cell(va, std::string("a.accuracy.") + m, fmt(num(va), 4)) + cell(vb, std::string("b.accuracy.") + m, fmt(num(vb), 4)) +
           "<td class=\"num " + (d < -0.005 ? "bad" : "good") + "\" data-key=\"accuracy." + m + "_drop\" data-value=\"" +
           raw(drop) + "\">" + (d >= 0 ? "+" : "") + fmt(d, 2) + " points</td></tr>";
    }
  }
  auto ratio_cell = [&](const char* key, const char* better, const char* worse) {
    const json& v = r["ratios"][key];
    const double x = num(v);
    std::string text = x <= 0 ? "n/a" : fmt(x >= 1 ? x : 1 / x, 2) + "x " + (x >= 1 ? better : worse);
    return "<td class=\"num " + std::string(x >= 1 ? "good" : "bad") + "\" data-key=\"ratios." + key +
           "\" data-value=\"" + raw(v) + "\">" + esc(text) + "</td>";
  };
  h += "<tr><td>Throughput (samples/s)</td>" + cell(A["speed"]["throughput_fps"], "a.speed.throughput_fps", fmt(num(A["speed"]["throughput_fps"]), 2)) +
       cell(B["speed"]["throughput_fps"], "b.speed.throughput_fps", fmt(num(B["speed"]["throughput_fps"]), 2)) +
       ratio_cell("throughput", "higher", "lower") + "</tr>";
  h += "<tr><td>Latency median (ms)</td>" +
       cell(A["speed"]["latency_ms"]["median"], "a.speed.latency_ms.median", fmt(num(A["speed"]["latency_ms"]["median"]), 3)) +
       cell(B["speed"]["latency_ms"]["median"], "b.speed.latency_ms.median", fmt(num(B["speed"]["latency_ms"]["median"]), 3)) +
       ratio_cell("latency", "faster", "slower") + "</tr>";
  h += "<tr><td>Latency p90 (ms)</td>" +
       cell(A["speed"]["latency_ms"]["p90"], "a.speed.latency_ms.p90", fmt(num(A["speed"]["latency_ms"]["p90"]), 3)) +
       cell(B["speed"]["latency_ms"]["p90"], "b.speed.latency_ms.p90", fmt(num(B["speed"]["latency_ms"]["p90"]), 3)) + "<td></td></tr>";
  h += "<tr><td>Size on disk</td>" + cell(A["file_bytes"], "a.file_bytes", bytes(num(A["file_bytes"]))) +
       cell(B["file_bytes"], "b.file_bytes", bytes(num(B["file_bytes"]))) + ratio_cell("size", "smaller", "larger") + "</tr>";
  h += "<tr><td>Runtime memory</td>" + cell(A["memory_bytes"], "a.memory_bytes", bytes(num(A["memory_bytes"]))) +
       cell(B["memory_bytes"], "b.memory_bytes", bytes(num(B["memory_bytes"]))) + "<td></td></tr>";
  h += "<tr><td>Layers by precision</td><td>" + esc(counts(A["layers_by_precision"])) + "</td><td>" +
       esc(counts(B["layers_by_precision"])) + "</td><td></td></tr>";
  h += "</tbody></table>";

  // Charts.
  h += "<h2>Charts</h2>";
  h += bar_chart("Throughput (samples/s, higher is better)", {"throughput"},
                 {{num(A["speed"]["throughput_fps"]), num(B["speed"]["throughput_fps"])}}, "samples/s", 1);
  h += bar_chart("Latency (ms, lower is better)", {"median", "p90"},
                 {{num(A["speed"]["latency_ms"]["median"]), num(B["speed"]["latency_ms"]["median"])},
                  {num(A["speed"]["latency_ms"]["p90"]), num(B["speed"]["latency_ms"]["p90"])}},
                 "ms", 3);
  h += precision_chart("Layers by runtime precision", A["layers_by_precision"], B["layers_by_precision"], "layers");
  h += precision_chart("Time by runtime precision (profiled)", A["profile"]["by_precision_ms"], B["profile"]["by_precision_ms"], "ms");
  {
    // The 20 layers with the most time in either model.
    std::vector<const json*> rows;
    for (const auto& l : r["layers"]) rows.push_back(&l);
    auto t = [](const json& l) {
      return std::max(l["a"].is_object() ? num(l["a"]["ms"]) : 0.0, l["b"].is_object() ? num(l["b"]["ms"]) : 0.0);
    };
    std::stable_sort(rows.begin(), rows.end(), [&](const json* x, const json* y) { return t(*x) > t(*y); });
    if (rows.size() > 20) rows.resize(20);
    std::vector<std::string> labels;
    std::vector<std::vector<double>> vals;
    for (const json* l : rows) {
      std::string name = layer_name(*l);
      if (name.size() > 26) name = "..." + name.substr(name.size() - 23);  // the tail names the layer
      labels.push_back(name);
      vals.push_back({(*l)["a"].is_object() ? num((*l)["a"]["ms"]) : 0.0, (*l)["b"].is_object() ? num((*l)["b"]["ms"]) : 0.0});
    }
    if (!rows.empty()) h += bar_chart("Per-layer time, slowest 20 (ms)", labels, vals, "ms", 3);
  }

  // Layers.
  h += "<h2>Layers</h2><p class=\"note\">Joined by ONNX node name, in A's execution order. Time: median of " +
       raw(A["profile"]["runs"]) + " profiled runs. Error: SQNR of B's layer output against A's over " +
       raw(r["error_samples"]) + " input(s) (higher is closer; 200 dB means identical).</p>";
  h += "<div class=\"controls\"><label>Show layers with |B &minus; A| &ge; <input id=\"min-delta\" type=\"number\" min=\"0\" "
       "step=\"0.001\" value=\"" + fmt(min_delta_ms, 3) + "\"> ms</label> <span id=\"layers-shown\"></span></div>";
  h += "<table id=\"layers\" class=\"sortable\"><thead><tr><th>#</th><th>layer (ONNX nodes)</th><th>op</th><th>A</th><th>B</th>"
       "<th data-type=\"num\">A ms</th><th data-type=\"num\">B ms</th><th data-type=\"num\">B &minus; A ms</th>"
       "<th data-type=\"num\">SQNR dB</th><th>note</th></tr></thead><tbody>";
  size_t i = 0;
  for (const auto& l : r["layers"]) {
    const std::string k = "layers." + std::to_string(i);
    std::string nodes;
    for (const auto& n : l["nodes"]) nodes += (nodes.empty() ? "" : ", ") + n.get<std::string>();
    auto prec = [](const json& side) {
      if (!side.is_object()) return std::string("<td><span class=\"pill none\">absent</span></td>");
      const std::string p = side.value("precision", std::string());
      return "<td title=\"" + esc(side.value("impl", std::string())) + "\"><span class=\"pill " + esc(p) + "\">" + esc(p) +
             "</span></td>";
    };
    const json& sq = l["sqnr_db"];
    h += "<tr data-delta=\"" + raw(l["delta_ms"]) + "\"><td class=\"num\" data-value=\"" + std::to_string(i) + "\">" +
         std::to_string(i) + "</td><td title=\"" + esc(nodes) + "\">" + esc(layer_name(l)) + "</td><td>" +
         esc(l.value("op", std::string())) + "</td>" + prec(l["a"]) + prec(l["b"]) +
         cell(l["a"].is_object() ? l["a"]["ms"] : json(), k + ".a.ms", l["a"].is_object() ? fmt(num(l["a"]["ms"]), 4) : "-") +
         cell(l["b"].is_object() ? l["b"]["ms"] : json(), k + ".b.ms", l["b"].is_object() ? fmt(num(l["b"]["ms"]), 4) : "-") +
         cell(l["delta_ms"], k + ".delta_ms", (num(l["delta_ms"]) >= 0 ? "+" : "") + fmt(num(l["delta_ms"]), 4)) +
         cell(sq, k + ".sqnr_db", sq.is_number() ? (num(sq) >= 200 ? "identical" : fmt(num(sq), 1)) : "-") + "<td class=\"note\">" +
         esc(l.value("note", std::string())) + "</td></tr>";
    ++i;
  }
  h += "</tbody></table>";

  // Predictions.
  if (r["predictions"].is_object()) {
    const json& p = r["predictions"];
    h += "<h2>Predictions</h2><p><span data-key=\"predictions.changed\" data-value=\"" + raw(p["changed"]) + "\">" +
         raw(p["changed"]) + "</span> of <span data-key=\"predictions.samples\" data-value=\"" + raw(p["samples"]) + "\">" +
         raw(p["samples"]) + "</span> samples changed their top-1 prediction";
    if (r["annotated"].get<bool>())
      h += " (B fixed <span data-key=\"predictions.fixed\" data-value=\"" + raw(p["fixed"]) + "\">" + raw(p["fixed"]) +
           "</span>, broke <span data-key=\"predictions.broken\" data-value=\"" + raw(p["broken"]) + "\">" + raw(p["broken"]) +
           "</span>)";
    char buf[128];
    std::snprintf(buf, sizeof buf, "; output MSE of B against A: mean %.3g, max %.3g.", num(p["mean_mse"]), num(p["max_mse"]));
    h += buf;
    h += "</p>";
    if (!p["changes"].empty()) {
      h += "<table id=\"changes\" class=\"sortable\"><thead><tr><th data-type=\"num\">index</th><th>sample</th>"
           "<th data-type=\"num\">label</th><th data-type=\"num\">A</th><th data-type=\"num\">B</th><th>B vs label</th>"
           "<th data-type=\"num\">output MSE</th></tr></thead><tbody>";
      size_t c = 0;
      const int64_t offset = r["usage"].value("label_offset", int64_t{0});
      for (const auto& ch : p["changes"]) {
        const std::string k = "predictions.changes." + std::to_string(c++);
        std::string verdict = "-";
        if (ch["label"].is_number()) {
          const int64_t want = ch["label"].get<int64_t>() + offset;
          const bool ra = ch["pred_a"].get<int64_t>() == want, rb = ch["pred_b"].get<int64_t>() == want;
          verdict = rb ? "<span class=\"good\">fixed</span>" : ra ? "<span class=\"bad\">broken</span>" : "both wrong";
        }
        h += "<tr>" + cell(ch["index"], k + ".index", raw(ch["index"])) + "<td>" + esc(ch.value("source", std::string())) +
             "</td>" + cell(ch["label"], k + ".label", raw(ch["label"])) + cell(ch["pred_a"], k + ".pred_a", raw(ch["pred_a"])) +
             cell(ch["pred_b"], k + ".pred_b", raw(ch["pred_b"])) + "<td>" + verdict + "</td>" +
             cell(ch["mse"], k + ".mse", fmt(num(ch["mse"]), 6)) + "</tr>";
      }
      h += "</tbody></table>";
    }
  }

  // The data, for machines (and for checking the page against it). "</" is escaped so the
  // JSON cannot close the script element.
  std::string data = r.dump();
  std::string safe;
  safe.reserve(data.size());
  for (size_t k = 0; k < data.size(); ++k) {
    if (data[k] == '<' && k + 1 < data.size() && data[k + 1] == '/') safe += "<\\";
    else safe += data[k];
  }
  h += "<script type=\"application/json\" id=\"report-data\">" + safe + "</script>";
  h += "<p class=\"note\">Generated by Calibra (calibra compare). Schema: calibra.compare/1.</p>";
  h += "<script>" + std::string(kScript) + "</script></body></html>\n";
  return h;
}

}  // namespace calibra::app

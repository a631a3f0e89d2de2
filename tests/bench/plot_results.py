#!/usr/bin/env python3
"""Draws docs/img/*.svg bar charts from docs/bench-data/results.csv (no dependencies).

  python3 tests/bench/plot_results.py
"""
import collections
import csv
import html
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
TITLES = {
    "getconfig_rps": "Cached GetConfig (~1 KB), requests/s, same h2load flags",
    "watch_latency_5ms": "Atomic save -> WatchConfigs event, default settings (--debounce 5ms)",
    "watch_latency_1ms": "Atomic save -> WatchConfigs event, --debounce 1ms",
    "rebuild_cpu_us": "Rebuild one changed 4 KB config, CPU time",
    "cold_load_10k": "Cold load of 10,000 configs against a cat of the files (median of 5)",
    "memory_per_source_byte": "Resident bytes per source byte, mixed ~2.2 KB configs",
}


def bar_chart(title, rows):
    width, bar_h, gap, left, top = 720, 26, 10, 250, 40
    height = top + len(rows) * (bar_h + gap) + 20
    top_value = max(v for _, v, _ in rows) or 1
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           'font-family="sans-serif" font-size="13">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">{html.escape(title)}</text>']
    for i, (label, value, unit) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = (width - left - 120) * value / top_value
        color = "#d9534f" if label.startswith("hearthd") else "#4a7ab5"
        out.append(f'<text x="{left - 8}" y="{y + bar_h * 0.7}" text-anchor="end">'
                   f'{html.escape(label)}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>')
        out.append(f'<text x="{left + w + 6:.1f}" y="{y + bar_h * 0.7}">{value:g} '
                   f'{html.escape(unit)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    charts = collections.OrderedDict()
    with open(ROOT / "docs/bench-data/results.csv") as f:
        for row in csv.reader(line for line in f if not line.startswith("#")):
            chart, label, value, unit = row
            charts.setdefault(chart, []).append((label, float(value), unit))
    (ROOT / "docs/img").mkdir(exist_ok=True)
    for chart, rows in charts.items():
        (ROOT / "docs/img" / f"{chart}.svg").write_text(bar_chart(TITLES.get(chart, chart), rows))
        print(f"docs/img/{chart}.svg")


if __name__ == "__main__":
    main()

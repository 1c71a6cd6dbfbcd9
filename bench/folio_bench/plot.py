"""Scenario `replicas`' plot: requests/s against concurrency for each set-up, a bar from
the lowest to the highest round, and the target's line. Needs matplotlib
(bench/requirements.txt); without it the plot is skipped, not the figures."""

from __future__ import annotations

import os
import statistics
import sys

from .report import read_figures, read_json, wrk_runs


def replicas_plot(work: str, out: str) -> None:
    d = os.path.join(work, "replicas")
    info = read_json(os.path.join(d, "info.json"))
    runs = wrk_runs(os.path.join(d, "wrk"))
    figures = read_figures(work)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("no plot: matplotlib is missing (python3 -m pip install -r bench/requirements.txt)", file=sys.stderr)
        return
    plt.rcParams["svg.hashsalt"] = "folio-bench"
    conc = info["concurrencies"]
    fig, ax = plt.subplots(figsize=(7.5, 5.4))
    for key, label, style in (("static", "Nginx, static file", "o--"),
                              ("hop", "Nginx → Nginx static over TCP (the hop's ceiling)", "x:"),
                              ("unix", "3 Folio replicas behind Nginx, Unix sockets", "D-"),
                              ("three", "3 Folio replicas behind Nginx, TCP", "s-"),
                              ("one", "1 Folio replica behind Nginx, TCP", "^-")):
        xs, ys, lo, hi = [], [], [], []
        for c in conc:
            rs = [r["rps"] for r in runs.get(f"{key}-c{c}", []) if r["rps"] is not None]
            if not rs:
                continue
            m = statistics.median(rs)
            xs.append(c)
            ys.append(m)
            lo.append(m - min(rs))
            hi.append(max(rs) - m)
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt=style, capsize=3, label=label)
    half = [(c, statistics.median(rs) / 2) for c in conc
            if (rs := [r["rps"] for r in runs.get(f"static-c{c}", []) if r["rps"] is not None])]
    if half:
        ax.plot([c for c, _ in half], [h for _, h in half], color="gray", linewidth=1, linestyle="--",
                label="the target: 0.5 × Nginx static")
    ax.set_xscale("log", base=2)
    ax.set_xticks(conc)
    ax.set_xticklabels([str(c) for c in conc])
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_xlabel("concurrent connections (wrk -c)")
    ax.set_ylabel("requests/s (median; bars: min–max)")
    ax.set_title(f"A cached {info['page_bytes'] // 1024} KB post page through Nginx, "
                 f"{figures.get('cores', '?')} cores shared with wrk", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    fig.text(0.01, 0.01, f"folio {figures.get('rev', '?')} · {figures.get('date', '')} · bench/run.sh replicas",
             fontsize=7, color="gray")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(out, metadata={"Date": None} if out.endswith(".svg") else None)
    print(f"plot: {out}", file=sys.stderr)



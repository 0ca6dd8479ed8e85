"""The class report's plots: matplotlib (Agg) figures embedded in the page as SVG data: URIs.

Each function returns a `Figure`: the data: URI of the SVG and the alt text
that says in words what the plot shows. The three kinds of marks differ by
hatching as well as by colour (Okabe-Ito colours, safe for colour blindness).
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass

# Okabe-Ito colours, with hatches so that no information is carried by colour alone.
FULL, PARTIAL, NONE = ("#009E73", ""), ("#E69F00", "//"), ("#D55E00", "xx")


@dataclass(frozen=True)
class Figure:
    uri: str            # data:image/svg+xml;base64,...
    alt: str


def _pyplot():
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def _embed(fig, alt: str) -> Figure:
    """The figure as a self-contained SVG (text drawn as paths, no date, fixed ids) and close it."""
    import matplotlib
    plt = _pyplot()
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "grader-report"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return Figure("data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode(), alt)


def score_histogram(scores: list[float], max_score: float, title: str = "") -> Figure:
    """Histogram of the total scores (one bar per point, 0 to max_score) with the median marked."""
    import numpy as np
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.4), dpi=100)
    top = max(float(max_score), 1.0)
    width = 1.0 if top <= 40 else top / 40
    edges = np.arange(0.0, top + width, width)
    edges[-1] = max(edges[-1], top + 1e-9)
    ax.hist(scores, bins=edges, color="#0072B2", edgecolor="white", linewidth=1.0)
    if scores:
        median = float(np.median(scores))
        ax.axvline(median, color="#1b1b1b", linestyle="--", linewidth=1.5, label=f"median {median:.3g}")
        ax.legend(frameon=False, loc="upper left")
    ax.set_xlim(0, top + width)
    ax.set_xlabel(f"score (points out of {top:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, loc="left")
    alt = (f"Histogram of the total scores of {len(scores)} students, from 0 to {top:g} points"
           + (f"; lowest {min(scores):g}, median {float(np.median(scores)):.3g}, highest {max(scores):g}."
              if scores else "; no scores."))
    return _embed(fig, alt)


def exercise_marks(rows: list[tuple[str, int, int, int]]) -> Figure:
    """Stacked horizontal bars: per exercise (name, full, partial, none), the share of students with each."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.3), dpi=100)
    names = [r[0] for r in rows][::-1]
    left = [0.0] * len(rows)
    for column, (label, (colour, hatch)) in enumerate((("full marks", FULL), ("partial marks", PARTIAL),
                                                       ("no marks", NONE)), start=1):
        counts = [r[column] for r in rows][::-1]
        totals = [max(sum(r[1:]), 1) for r in rows][::-1]
        shares = [100 * c / t for c, t in zip(counts, totals)]
        bars = ax.barh(names, shares, left=left, color=colour, hatch=hatch, edgecolor="white",
                       linewidth=0.8, label=label)
        for bar, count, share in zip(bars, counts, shares):
            if share >= 8:
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2, str(count),
                        ha="center", va="center", fontsize=9, color="black",
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})
        left = [a + b for a, b in zip(left, shares)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of graded students (%); numbers in the bars are students")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(ncol=3, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    alt = "Share of students with full, partial and no marks per exercise: " + "; ".join(
        f"{name} {full} full, {partial} partial, {none} none" for name, full, partial, none in rows) + "."
    return _embed(fig, alt)

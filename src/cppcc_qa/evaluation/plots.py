"""Plots for evaluation reports (matplotlib, headless Agg backend)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["plot_types", "plot_latency", "CJK_FONTS"]

#: Fonts tried first for the labels, so Chinese type names show as text, not boxes.
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # a question type may be written in Chinese: a CJK font first (setup installs WenQuanYi),
    # DejaVu Sans (matplotlib's own) when none is there
    plt.rcParams["font.sans-serif"] = [*CJK_FONTS, *plt.rcParams["font.sans-serif"]]
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def plot_types(by_type: dict, path: Path) -> None:
    plt = _plt()
    names = list(by_type)
    acc = [by_type[t]["accuracy"] or 0.0 for t in names]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    bars = ax.bar(names, acc, color="#3b6ea8")
    for b, t in zip(bars, names):
        ax.text(b.get_x() + b.get_width() / 2, b.get_height() + 0.02, f"{by_type[t]['right']}/{by_type[t]['n']}", ha="center", fontsize=8)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("accuracy (right / n)")
    ax.set_xlabel("question type")
    ax.set_title("Answer accuracy by question type (derived questions not scored)")
    ax.tick_params(axis="x", labelrotation=30, labelsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_latency(latencies_ms: Sequence[float], path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(list(latencies_ms), bins=20, color="#6a9f58")
    ax.set_xlabel("latency per question (ms)")
    ax.set_ylabel("questions")
    ax.set_title("Answer latency")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

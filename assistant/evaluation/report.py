"""The run folder: ``run.json``, ``summary.md`` and a self-contained ``report.html``.

Written for a QA lead, not an engineer: the headline table first, then what needs a decision
(thresholds missed, stale gold, regressions), then breakdowns per document, authority and
kind, then every failing item with the reason. Plots are matplotlib PNGs embedded as base64
so the HTML file can be mailed or attached on its own.
"""

from __future__ import annotations

import base64
import html
import io
import json
from typing import Any

HEADLINE = (
    ("hit_at_5", "hit@5"),
    ("mrr", "MRR"),
    ("ndcg_at_10", "nDCG@10"),
    ("citation_precision", "cite P"),
    ("citation_recall", "cite R"),
    ("key_fact_recall", "key facts"),
    ("unsupported_rate", "unsupported"),
    ("refusal_accuracy", "refusal acc"),
    ("false_refusal_rate", "false refusal"),
    ("rule_exact", "rule exact"),
    ("rule_chat_exact", "rule chat"),
    ("pass_rate", "pass"),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
)

METRIC_HELP = {
    "hit@5": "a gold passage is inside one of the first 5 retrieved passages",
    "MRR": "1/rank of the first retrieved passage holding a gold passage",
    "nDCG@10": "how high all gold passages rank in the first 10 (binary gain)",
    "cite P": "citations that are gold passages or quote a key fact",
    "cite R": "gold passages covered by a citation",
    "key facts": "key facts (patterns) the answer states",
    "unsupported": "answer sentences not found in any cited quote (lower is better)",
    "refusal acc": "must-refuse questions that were declined",
    "false refusal": "answerable questions that were declined (lower is better)",
    "rule exact": "rule computations (rules engine, gold facts) whose structured result matches exactly",
    "rule chat": "rule questions asked in chat whose answer's rules field matches exactly",
    "pass": "items passing: key facts all stated, a gold passage cited, no refusal (or refused when it must); "
    "retrieval-only engines: a gold passage in the top 5",
}


def fmt(v: Any, metric: str = "") -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.0f}" if metric.endswith("_ms") else f"{v:.3f}"
    return str(v)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def headline_rows(data: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    headers = ["engine", "items"] + [label for _, label in HEADLINE]
    rows = []
    for name, eng in data["engines"].items():
        s = eng["summary"]
        rows.append([name, str(s.get("items"))] + [fmt(s.get(m), m) for m, _ in HEADLINE])
    return headers, rows


def _breakdown_table(eng: dict[str, Any], by: str) -> str:
    metrics = (("items", "items"), ("hit_at_5", "hit@5"), ("mrr", "MRR"), ("citation_recall", "cite R"),
               ("key_fact_recall", "key facts"), ("refusal_accuracy", "refusal acc"), ("pass_rate", "pass"))
    rows = [[k] + [fmt(v.get(m), m) for m, _ in metrics] for k, v in eng[f"by_{by}"].items()]
    return _table([by] + [label for _, label in metrics], rows)


def summary_markdown(run) -> str:
    d = run.data
    primary = d["primary_engine"]
    lines = [f"# Evaluation run {d['created']}", ""]
    lines.append(f"Gold items: {d['gold_items']} · engines: {', '.join(d['engines'])} · "
                 f"total {d['timings_s'].get('total', 0):.1f} s (engines built in {d['timings_s']['build_engines']:.1f} s)"
                 + (f" · torch threads {d['torch_threads']}" if d.get("torch_threads") else ""))
    for n in d.get("notes", []):
        lines.append(f"\n> note: {n}")
    lines += ["", "## Headline", ""]
    h, r = headline_rows(d)
    lines.append(_table(h, r))
    lines += ["", "What the columns mean: " + "; ".join(f"**{k}** {v}" for k, v in METRIC_HELP.items()) + ".", ""]

    lines += ["## Thresholds", ""]
    if run.thresholds:
        rows = [[t.metric, t.engine, ("≥ " if t.direction == "min" else "≤ ") + fmt(t.threshold), fmt(t.value, t.metric),
                 ("n/a: no selected item of that kind" if not t.applicable else "ok" if t.ok else "**BELOW THRESHOLD**")]
                for t in run.thresholds]
        lines.append(_table(["metric", "engine", "threshold", "value", ""], rows))
    else:
        lines.append("No thresholds configured.")
    lines.append("")

    lines += ["## Stale gold (policy text changed: fix the gold, not the assistant)", ""]
    if d["stale"]:
        for s in d["stale"]:
            lines.append(f"- `{s['id']}`: " + "; ".join(s["reasons"]))
    else:
        lines.append("None: every gold passage is still in the corpus.")
    lines.append("")

    if run.regression is not None:
        reg = d["regression"]
        lines += [f"## Regressions against {reg['baseline_run']}", ""]
        for e in reg["engines"]:
            lines.append(f"### {e['engine']}")
            lines.append(f"- pass → fail (genuine regressions): {', '.join(e['pass_to_fail']) or 'none'}")
            lines.append(f"- pass → fail because the gold went stale: {', '.join(e['stale_pass_to_fail']) or 'none'}")
            lines.append(f"- fail → pass: {', '.join(e['fail_to_pass']) or 'none'}")
            if e["new_items"]:
                lines.append(f"- new items: {len(e['new_items'])}")
            if e["removed_items"]:
                lines.append(f"- removed items: {', '.join(e['removed_items'])}")
            rows = [[m, fmt(v["before"], m), fmt(v["after"], m), f"{v['delta']:+.3f}", "worse" if v["worse"] else ""]
                    for m, v in e["deltas"].items() if abs(v["delta"]) > 1e-9]
            if rows:
                lines += ["", _table(["metric", "before", "after", "delta", ""], rows)]
            lines.append("")

    if d.get("judge"):
        lines += ["## LLM judge (optional; a model's opinion, not a metric and not a gate)", ""]
        for name, j in d["judge"].items():
            lines.append(f"- {name}: mean {fmt(j['mean'])} over {j['judged']} answers, model `{j['model']}`, "
                         f"{j['errors']} judge errors")
            low = sorted(((v["score"], k, v["reason"]) for k, v in j["items"].items() if v["score"] is not None))[:10]
            for score, k, reason in low:
                if score < 0.5:
                    lines.append(f"- `{k}` judged {score:.2f}: {reason}")
        lines.append("")

    eng = d["engines"].get(primary)
    if eng:
        for by in ("document", "authority", "kind"):
            lines += [f"## {primary}: per {by}", "", _breakdown_table(eng, by), ""]
        failing = [r for r in eng["items"] if r["scores"]["passed"] is False]
        lines += [f"## {primary}: failing items ({len(failing)})", ""]
        for r in failing:
            lines.append(f"- `{r['id']}` ({r['kind']}): {'; '.join(r['scores']['reasons']) or 'failed'}")
        lines.append("")
    for name, e in d["engines"].items():
        if name == primary:
            continue
        lines += [f"## {name}: per document", "", _breakdown_table(e, "document"), ""]
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------
# plots
# ------------------------------------------------------------------------------------------
def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def plots(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(title, base64 PNG) pairs: headline metrics, per-document hit@5 and key facts, latency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    out: list[tuple[str, str]] = []
    engines = list(data["engines"])
    metrics = [(m, label) for m, label in HEADLINE if not m.endswith("_ms")]
    fig, ax = plt.subplots(figsize=(11, 4))
    width = 0.8 / max(len(engines), 1)
    x = np.arange(len(metrics))
    for i, name in enumerate(engines):
        s = data["engines"][name]["summary"]
        vals = [s.get(m) if s.get(m) is not None else np.nan for m, _ in metrics]
        bars = ax.bar(x + i * width, vals, width, label=name)
        # label every bar so a 0.00 is not mistaken for "not applicable"
        ax.bar_label(bars, labels=["" if v != v else f"{v:.2f}" for v in vals], fontsize=6, rotation=90, padding=2)
    ax.set_xticks(x + width * (len(engines) - 1) / 2, [label for _, label in metrics], rotation=30, ha="right")
    ax.set_ylim(0, 1.15)
    ax.set_title("Metrics per engine (no label = not applicable to that engine)")
    ax.legend()
    out.append(("Metrics per engine", _png(fig)))

    docs = sorted({d for e in data["engines"].values() for d in e["by_document"] if d != "(none)"})
    for metric, label in (("hit_at_5", "hit@5"), ("key_fact_recall", "key-fact recall")):
        fig, ax = plt.subplots(figsize=(10, 3.6))
        x = np.arange(len(docs))
        drawn = False
        for i, name in enumerate(engines):
            by = data["engines"][name]["by_document"]
            vals = [by.get(d, {}).get(metric) for d in docs]
            if all(v is None for v in vals):
                continue
            drawn = True
            ax.bar(x + i * width, [v if v is not None else np.nan for v in vals], width, label=name)
        if not drawn:
            plt.close(fig)
            continue
        ax.set_xticks(x + width * (len(engines) - 1) / 2, docs, rotation=15)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{label} per document")
        ax.legend()
        out.append((f"{label} per document", _png(fig)))

    kinds = sorted({k for e in data["engines"].values() for k in e["by_kind"]})
    fig, ax = plt.subplots(figsize=(11, 3.6))
    x = np.arange(len(kinds))
    for i, name in enumerate(engines):
        by = data["engines"][name]["by_kind"]
        ax.bar(x + i * width, [by.get(k, {}).get("pass_rate") or 0 for k in kinds], width, label=name)
    ax.set_xticks(x + width * (len(engines) - 1) / 2, kinds, rotation=30, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_title("Pass rate per question kind")
    ax.legend()
    out.append(("Pass rate per kind", _png(fig)))

    lat = {n: [r["latency_ms"] for r in e["items"] if r.get("latency_ms") is not None] for n, e in data["engines"].items()}
    lat = {n: v for n, v in lat.items() if v}
    if lat:
        fig, ax = plt.subplots(figsize=(8, 3.2))
        ax.boxplot(list(lat.values()), tick_labels=list(lat), showfliers=True)
        ax.set_yscale("log")
        ax.set_ylabel("ms (log)")
        ax.set_title("Latency per item")
        out.append(("Latency", _png(fig)))
    return out


def _md_to_html(md: str) -> str:
    """Just enough Markdown for our own summary: headings, tables, lists, quotes, paragraphs."""
    import re

    def inline(t: str) -> str:
        t = html.escape(t)
        t = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", t)
        return re.sub(r"`([^`]+)`", r"<code>\1</code>", t)

    out: list[str] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append([c.strip() for c in lines[i].strip("|").split("|")])
                i += 1
            head, body = rows[0], [r for r in rows[2:]]
            out.append("<table><tr>" + "".join(f"<th>{inline(c)}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{inline(c)}</td>" for c in r) + "</tr>" for r in body)
                       + "</table>")
            continue
        m = re.match(r"^(#+)\s+(.*)", line)
        if m:
            n = len(m.group(1))
            out.append(f"<h{n}>{inline(m.group(2))}</h{n}>")
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{inline(lines[i][2:])}</li>")
                i += 1
            out.append("<ul>" + "".join(items) + "</ul>")
            continue
        elif line.startswith("> "):
            out.append(f"<blockquote>{inline(line[2:])}</blockquote>")
        elif line.strip():
            out.append(f"<p>{inline(line)}</p>")
        i += 1
    return "\n".join(out)


def report_html(run, md: str) -> str:
    imgs = "\n".join(
        f'<figure><img alt="{html.escape(t)}" src="data:image/png;base64,{b64}"><figcaption>{html.escape(t)}</figcaption></figure>'
        for t, b64 in plots(run.data)
    )
    body = _md_to_html(md)
    # plots right after the headline table
    marker = "<h2>Thresholds</h2>"
    body = body.replace(marker, f"<h2>Plots</h2>\n{imgs}\n{marker}", 1) if marker in body else body + imgs
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}img{max-width:100%}"
        "code{background:#f3f3f3;padding:0 3px}blockquote{color:#555;border-left:3px solid #ccc;margin:0;padding-left:1em}"
    )
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Evaluation {html.escape(run.data['created'])}"
            f"</title><style>{style}</style></head><body>{body}</body></html>")


def write_reports(run) -> None:
    run.path.mkdir(parents=True, exist_ok=True)
    (run.path / "run.json").write_text(json.dumps(run.data, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    md = summary_markdown(run)
    (run.path / "summary.md").write_text(md, encoding="utf-8")
    (run.path / "report.html").write_text(report_html(run, md), encoding="utf-8")

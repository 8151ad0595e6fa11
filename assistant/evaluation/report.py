"""The run folder: ``run.json``, ``summary.md`` and a self-contained ``report.html``.

Written for a QA lead deciding "can we still trust it?": the first line is the verdict (and
the exit code), then the three lists a QA lead acts on: genuine regressions (the answer before
and after, side by side), stale gold (the old passage, the new section text and the suggested
gold edit) and the policies changed since the baseline (their section diff). Metrics, plots,
breakdowns and every failing item follow. Plots are matplotlib PNGs embedded as base64 so the
HTML file can be mailed or attached on its own.
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


def _clip(text: str | None, n: int = 400) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= n else t[: n - 1] + "…"


def _primary_diff(d: dict[str, Any]) -> dict[str, Any] | None:
    reg = d.get("regression")
    if not reg:
        return None
    return next((e for e in reg["engines"] if e["engine"] == d["primary_engine"]), None)


def decision_markdown(run) -> str:
    """The verdict and the three lists, as Markdown (summary.md opens with it)."""
    d = run.data
    lines = [run.verdict, "", f"# Evaluation run {d['created']}", ""]
    e = _primary_diff(d)
    lines += ["## 1. Regressions (gold unchanged, answer now fails)", ""]
    if e is None:
        lines.append("No baseline given (`--baseline RUN`): nothing to compare with.")
    elif not e["pass_to_fail"]:
        lines.append(f"None against {d['regression']['baseline_run']}.")
    for iid in (e or {}).get("pass_to_fail", []):
        det = e["details"].get(iid, {})
        lines.append(f"- `{iid}`" + (f" ({det['note']})" if det.get("note") else ""))
        for side in ("before", "after"):
            v = det.get(side) or {}
            cites = ", ".join(f"{c['document_id']} {c['start']}-{c['end']}" for c in v.get("citations", [])) or "none"
            lines.append(f"  - {side}: {_clip(v.get('answer'))} (citations: {cites})")
        if det.get("after", {}).get("reasons"):
            lines.append(f"  - why it fails now: {'; '.join(det['after']['reasons'])}")
    lines += ["", "## 2. Stale gold (policy text changed: fix the gold, not the assistant)", ""]
    if not d["stale"]:
        lines.append("None: every gold passage is verbatim in the current version of its policy.")
    for st in d["stale"]:
        lines.append(f"- `{st['id']}` ({st.get('source') or '?'})")
        for r in st.get("passages", []):
            sug = r.get("suggestion") or {}
            lines.append(f"  - old passage ({r['named_document']}): \"{_clip(r['text'])}\"")
            if sug.get("action") == "replace":
                lines.append(f"  - suggested edit: document_id {sug['document_id']}, text: \"{_clip(sug['text'])}\" "
                             f"(section {sug.get('section') or '-'}, similarity {sug['similarity']:.2f})")
                for k in sug.get("key_facts", []):
                    lines.append(f"  - key fact `{k['old']}` -> " + (f"`{k['new']}`" if k["new"] else "no rewrite found: edit by hand"))
            else:
                lines.append(f"  - no suggestion: {sug.get('why') or r['status']}")
    edited = (d.get("regression") or {}).get("gold_edited") or []
    if edited:
        lines.append(f"- gold edited since the baseline (their pass/fail is the gold's, not compared): {', '.join(edited)}")
    lines += ["", "## 3. Policies changed since the baseline", ""]
    if "changed_documents" not in d:
        lines.append("No baseline given: see `permanence diff-versions OLD NEW`.")
    elif d.get("changed_documents_note"):
        lines.append(d["changed_documents_note"] + ".")
    elif not d["changed_documents"]:
        lines.append("None.")
    for c in d.get("changed_documents", []):
        diff = c.get("diff") or {}
        lines.append(f"- {c['family']}: {c['old'] or '-'} -> {c['new'] or '-'} ({c['change']})"
                     + (f": {len(diff.get('changed', []))} changed, {len(diff.get('added', []))} added, "
                        f"{len(diff.get('removed', []))} removed sections" if diff else "")
                     + (f" ({c['note']})" if c.get("note") else ""))
        for ch in diff.get("changed", []):
            lines.append(f"  - changed: {ch['path_b']}")
    lines.append("")
    return "\n".join(lines)


def summary_markdown(run) -> str:
    d = run.data
    primary = d["primary_engine"]
    lines = [decision_markdown(run), "# Metrics", ""]
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

    stale_s = (d["engines"].get(primary) or {}).get("stale_summary")
    if stale_s:
        lines += [f"Stale items, scored apart against their suggested edits ({stale_s['items']}): "
                  f"pass {fmt(stale_s.get('pass_rate'))}, hit@5 {fmt(stale_s.get('hit_at_5'))}.", ""]

    if run.regression is not None:
        reg = d["regression"]
        lines += [f"## Regressions against {reg['baseline_run']}", ""]
        for e in reg["engines"]:
            lines.append(f"### {e['engine']}")
            lines.append(f"- pass → fail (genuine regressions): {', '.join(e['pass_to_fail']) or 'none'}")
            lines.append(f"- pass → fail because the gold went stale: {', '.join(e['stale_pass_to_fail']) or 'none'}")
            if e.get("edited_pass_to_fail"):
                lines.append(f"- pass → fail since the gold item was edited: {', '.join(e['edited_pass_to_fail'])}")
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


def _esc(t: Any) -> str:
    return html.escape("" if t is None else str(t))


def decision_html(run) -> str:
    """Verdict and the three lists; answers side by side, diffs as preformatted text."""
    d = run.data
    cls = {0: "ok", 1: "bad", 3: "stale"}.get(run.exit_code, "bad")
    out = [f'<p class="verdict {cls}" id="verdict">{_esc(run.verdict)}</p>',
           f"<h1>Evaluation run {_esc(d['created'])}</h1>"]
    e = _primary_diff(d)
    out.append("<h2>1. Regressions (gold unchanged, answer now fails)</h2>")
    if e is None:
        out.append("<p>No baseline given (<code>--baseline RUN</code>): nothing to compare with.</p>")
    elif not e["pass_to_fail"]:
        out.append(f"<p>None against {_esc(d['regression']['baseline_run'])}.</p>")
    for iid in (e or {}).get("pass_to_fail", []):
        det = e["details"].get(iid, {})

        def cell(v: dict[str, Any]) -> str:
            cites = "".join(f"<li>{_esc(c['document_id'])} {_esc(c['start'])}-{_esc(c['end'])}: {_esc(_clip(c['quote'], 160))}</li>"
                            for c in v.get("citations", []))
            return (f"<pre>{_esc(v.get('answer'))}</pre><ul>{cites}</ul>"
                    + (f"<p class=why>{_esc('; '.join(v.get('reasons') or []))}</p>" if v.get("reasons") else ""))

        out.append(f"<h3 class=regression><code>{_esc(iid)}</code> {_esc(det.get('note') or '')}</h3>"
                   f"<p>{_esc(det.get('question'))}</p>"
                   f"<table class=side><tr><th>before ({_esc(d['regression']['baseline_run'])})</th><th>now</th></tr>"
                   f"<tr><td>{cell(det.get('before') or {})}</td><td>{cell(det.get('after') or {})}</td></tr></table>")
    out.append("<h2>2. Stale gold (policy text changed: fix the gold, not the assistant)</h2>")
    if not d["stale"]:
        out.append("<p>None: every gold passage is verbatim in the current version of its policy.</p>")
    for st in d["stale"]:
        out.append(f"<h3 class=stale><code>{_esc(st['id'])}</code> in {_esc(st.get('source'))}</h3>")
        for r in st.get("passages", []):
            sug = r.get("suggestion") or {}
            out.append(f"<p>Old passage ({_esc(r['named_document'])}"
                       + (f", section {_esc(r.get('old_section'))}" if r.get("old_section") else "")
                       + f"):</p><blockquote>{_esc(r['text'])}</blockquote>")
            if sug.get("action") == "replace":
                kf = "".join(f"<li>key fact <code>{_esc(k['old'])}</code> → "
                             + (f"<code>{_esc(k['new'])}</code>" if k["new"] else "no rewrite found: edit by hand") + "</li>"
                             for k in sug.get("key_facts", []))
                out.append(f"<p>Suggested gold edit: <code>document_id: {_esc(sug['document_id'])}</code>, text "
                           f"(similarity {sug['similarity']:.2f}):</p><blockquote class=new>{_esc(sug['text'])}</blockquote>"
                           + (f"<ul>{kf}</ul>" if kf else ""))
            else:
                out.append(f"<p>No suggestion: {_esc(sug.get('why') or r['status'])}</p>")
            if sug.get("section_diff"):
                out.append(f"<details open><summary>Section diff</summary><pre>{_esc(sug['section_diff'])}</pre></details>")
            elif sug.get("section_text"):
                out.append(f"<details><summary>New section text: {_esc(sug.get('section'))}</summary>"
                           f"<pre>{_esc(sug['section_text'])}</pre></details>")
    edited = (d.get("regression") or {}).get("gold_edited") or []
    if edited:
        out.append(f"<p>Gold edited since the baseline (their pass/fail is the gold's, not compared): "
                   f"{_esc(', '.join(edited))}</p>")
    out.append("<h2>3. Policies changed since the baseline</h2>")
    if "changed_documents" not in d:
        out.append("<p>No baseline given: see <code>permanence diff-versions OLD NEW</code>.</p>")
    elif d.get("changed_documents_note"):
        out.append(f"<p>{_esc(d['changed_documents_note'])}.</p>")
    elif not d["changed_documents"]:
        out.append("<p>None.</p>")
    for c in d.get("changed_documents", []):
        diff = c.get("diff") or {}
        out.append(f"<h3>{_esc(c['family'])}: {_esc(c['old'] or '-')} → {_esc(c['new'] or '-')} ({_esc(c['change'])})</h3>")
        if c.get("note"):
            out.append(f"<p>{_esc(c['note'])}</p>")
        for kind in ("added", "removed"):
            for sct in diff.get(kind, []):
                out.append(f"<p>{kind}: {_esc(sct['section'])}</p>")
        for ch in diff.get("changed", []):
            out.append(f"<details open><summary>changed: {_esc(ch['path_b'])}</summary><pre>{_esc(ch['diff'])}</pre></details>")
    return "\n".join(out)


def report_html(run, md: str) -> str:
    imgs = "\n".join(
        f'<figure><img alt="{html.escape(t)}" src="data:image/png;base64,{b64}"><figcaption>{html.escape(t)}</figcaption></figure>'
        for t, b64 in plots(run.data)
    )
    metrics_md = md.split("\n# Metrics\n", 1)[1] if "\n# Metrics\n" in md else md
    body = decision_html(run) + "\n<h1>Metrics</h1>\n" + _md_to_html(metrics_md)
    # plots right after the headline table
    marker = "<h2>Thresholds</h2>"
    body = body.replace(marker, f"<h2>Plots</h2>\n{imgs}\n{marker}", 1) if marker in body else body + imgs
    style = (
        "body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:3px 7px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}img{max-width:100%}"
        "code{background:#f3f3f3;padding:0 3px}blockquote{color:#555;border-left:3px solid #ccc;margin:0;padding-left:1em}"
        ".verdict{font-size:1.2em;font-weight:bold;padding:.6em;border-radius:4px}.ok{background:#e6f4ea}"
        ".bad{background:#fde7e9}.stale{background:#fff4d6}blockquote.new{border-left-color:#2a7}"
        "table.side td,table.side th{vertical-align:top;text-align:left;width:50%}pre{white-space:pre-wrap;font-size:.85em}"
    )
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Evaluation {html.escape(run.data['created'])}"
            f"</title><style>{style}</style></head><body>{body}</body></html>")


def write_reports(run) -> None:
    run.path.mkdir(parents=True, exist_ok=True)
    (run.path / "run.json").write_text(json.dumps(run.data, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    md = summary_markdown(run)
    (run.path / "summary.md").write_text(md, encoding="utf-8")
    (run.path / "report.html").write_text(report_html(run, md), encoding="utf-8")

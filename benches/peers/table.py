"""Prints issue 13's side-by-side table from the JSON lines run.sh gathered in a folder."""

import json
import pathlib
import sys

WORKLOADS = [
    ("chain_40", "40-node chain, instant model", 0.2),
    ("iterator_1000", "Iterator 1,000 items, one by one", 3.0),
    ("iterator_10000", "Iterator 10,000 items, one by one", 30.0),
    ("iterator_10000_x16", "Iterator 10,000 items, 16 at once", None),
    ("fan_out_100_x_10ms", "100 calls of 10 ms at once", 13.0),
    ("react_10_steps", "ReAct, 10 tool steps, instant model", 0.3),
    ("compile_40", "compile a 40-node flow", 0.1),
]


def lines(folder, name):
    path = folder / f"{name}.jsonl"
    if not path.exists():
        return {}
    rows = (json.loads(l) for l in path.read_text().splitlines() if l.startswith("{"))
    return {r["workload"]: r for r in rows}


def ms(v):
    if v is None:
        return "–"
    return f"{v:.3f} ms" if v < 1 else f"{v:.1f} ms" if v < 100 else f"{v:,.0f} ms"


def main():
    folder = pathlib.Path(sys.argv[1])
    strata = lines(folder, "strata")
    peers = {p: lines(folder, p) for p in ("langgraph", "rivet")}
    print("| workload | LangGraph | Rivet | Strata | tokio floor (inline / task each) | Strata ÷ floor | target | within |")
    print("|---|---|---|---|---|---|---|---|")
    for key, label, target in WORKLOADS:
        s = strata.get(key, {})
        mine = s.get("strata_ms")
        cells = []
        for p in ("langgraph", "rivet"):
            v = peers[p].get(key, {}).get("ms")
            cells.append(f"{ms(v)} ({v / mine:.0f}×)" if v is not None and mine else ms(v))
        inline, tasks = s.get("floor_inline_ms"), s.get("floor_tasks_ms")
        floor = " / ".join(ms(v) for v in (inline, tasks) if v is not None) or "–"
        base = inline if inline is not None else tasks
        ratio = f"{mine / base:.1f}×" if mine and base else "–"
        within = "–" if target is None or mine is None else ("yes" if mine <= target else "no")
        target_text = "–" if target is None else f"≤ {ms(target)}"
        print(f"| {label} | {cells[0]} | {cells[1]} | {ms(mine)} | {floor} | {ratio} | {target_text} | {within} |")
    for note in sorted(folder.glob("*.note")):
        print(f"\nnote: {note.read_text().strip()}")
    print("\n(peer cells: time, and how many times Strata's; medians of each round's median, "
          "several rounds, one machine, one run of this command)")


main()

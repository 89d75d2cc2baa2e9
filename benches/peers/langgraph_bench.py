"""LangGraph's column of the side-by-side benchmark: issue 13's workloads as LangGraph graphs.

The model is an async function that answers at once (or after 10 ms): LangGraph's zero-latency
fake model. An Iterator one by one is a graph that loops over its items, a step per item; at
once, it is `Send`s of 16 items per step. The ReAct turn is the usual agent/tools loop over a
`messages` state with LangChain messages. Prints one JSON line per workload: {"workload", "ms"}.
`python langgraph_bench.py rss 10000` prints the peak RSS of one 10,000-item run instead.
"""

import asyncio
import json
import operator
import os
import resource
import statistics
import sys
import time
from typing import Annotated, TypedDict

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.types import Send

ROUND_S = 0.3
ROUNDS = int(os.environ.get("ROUNDS", "3"))


async def model(prompt: str) -> str:
    return "better"


async def slow_model(prompt: str) -> str:
    await asyncio.sleep(0.01)
    return "better"


class Text(TypedDict):
    text: str


def chain():
    """Input → 38 model calls → Output: 40 nodes."""
    g = StateGraph(Text)

    async def step(state):
        return {"text": await model(f"Improve: {state['text']}")}

    def passthrough(state):
        return {"text": state["text"]}

    names = ["FlowInput"] + [f"Step{i}" for i in range(38)] + ["FlowOutput"]
    for name in names:
        g.add_node(name, step if name.startswith("Step") else passthrough)
    g.add_edge(START, names[0])
    for a, b in zip(names, names[1:]):
        g.add_edge(a, b)
    g.add_edge(names[-1], END)
    return g.compile()


class Items(TypedDict):
    items: list
    index: int
    gathered: Annotated[list, operator.add]


def one_by_one():
    """A loop over the items, one graph step per item, the answers gathered in order."""
    g = StateGraph(Items)

    async def ask(state):
        item = state["items"][state["index"]]
        return {"gathered": [await model(f"Improve: {item}")], "index": state["index"] + 1}

    g.add_node("Ask", ask)
    g.add_conditional_edges(START, lambda s: "Ask" if s["items"] else END)
    g.add_conditional_edges("Ask", lambda s: "Ask" if s["index"] < len(s["items"]) else END)
    return g.compile()


class Item(TypedDict):
    item: str


def at_once(batch: int, ask_model):
    """`Send`s of `batch` items per step until every item is answered."""
    g = StateGraph(Items)

    async def ask(state: Item):
        return {"gathered": [await ask_model(f"Improve: {state['item']}")]}

    def advance(state):
        return {"index": min(state["index"] + batch, len(state["items"]))}

    def dispatch(state):
        start = state["index"]
        if start >= len(state["items"]):
            return END
        return [Send("Ask", {"item": it}) for it in state["items"][start : start + batch]]

    g.add_node("Ask", ask)
    g.add_node("Advance", advance)
    g.add_conditional_edges(START, dispatch)
    g.add_edge("Ask", "Advance")
    g.add_conditional_edges("Advance", dispatch)
    return g.compile()


class Conversation(TypedDict):
    messages: Annotated[list, add_messages]


def react(steps: int):
    """The agent/tools loop: the model calls a tool `steps` times, then answers."""
    g = StateGraph(Conversation)

    async def agent(state):
        calls = sum(1 for m in state["messages"] if isinstance(m, AIMessage))
        if calls < steps:
            msg = AIMessage(
                content=f"Looking up order {calls}.",
                tool_calls=[{"name": "orders__lookup", "args": {"order_id": f"O-{calls}"}, "id": f"call_{calls}"}],
            )
        else:
            msg = AIMessage(content="All ten orders are on their way.")
        return {"messages": [msg]}

    async def tools(state):
        call = state["messages"][-1].tool_calls[0]
        return {"messages": [ToolMessage(content="error: no local handler", tool_call_id=call["id"])]}

    g.add_node("agent", agent)
    g.add_node("tools", tools)
    g.add_edge(START, "agent")
    g.add_conditional_edges("agent", lambda s: "tools" if s["messages"][-1].tool_calls else END)
    g.add_edge("tools", "agent")
    return g.compile()


def items(n):
    return [f"item {k}" for k in range(n)]


async def median_ms(once):
    await once()
    medians = []
    for _ in range(ROUNDS):
        times = []
        began = time.perf_counter()
        while len(times) < 1 or time.perf_counter() - began < ROUND_S:
            t = time.perf_counter()
            await once()
            times.append((time.perf_counter() - t) * 1e3)
        medians.append(statistics.median_low(times))
    return statistics.median_low(medians)


async def main():
    args = sys.argv[1:]
    limit = {"recursion_limit": 100_000}
    if args and args[0] == "rss":
        n = int(args[1]) if len(args) > 1 else 10_000
        out = await one_by_one().ainvoke({"items": items(n), "index": 0, "gathered": []}, limit)
        assert len(out["gathered"]) == n
        print(json.dumps({"items": n, "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
        return
    only = args[0] if args else None

    async def report(workload, once):
        if only and only != workload:
            return
        print(json.dumps({"workload": workload, "ms": await median_ms(once)}), flush=True)

    c = chain()

    async def run_chain():
        assert (await c.ainvoke({"text": "draft"}, limit))["text"] == "better"

    await report("chain_40", run_chain)
    for name, n, batch in [("iterator_1000", 1000, 1), ("iterator_10000", 10_000, 1), ("iterator_10000_x16", 10_000, 16)]:
        graph = one_by_one() if batch == 1 else at_once(batch, model)
        doc = items(n)

        async def run_items(graph=graph, doc=doc, n=n):
            out = await graph.ainvoke({"items": doc, "index": 0, "gathered": []}, limit)
            assert len(out["gathered"]) == n

        await report(name, run_items)
    fan = at_once(100, slow_model)
    hundred = items(100)
    await report("fan_out_100_x_10ms", lambda: fan.ainvoke({"items": hundred, "index": 0, "gathered": []}, limit))
    r = react(10)

    async def run_react():
        out = await r.ainvoke({"messages": [HumanMessage(content="Where are my orders?")]}, limit)
        assert out["messages"][-1].content.startswith("All ten")

    await report("react_10_steps", run_react)


asyncio.run(main())

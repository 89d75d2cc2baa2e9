// Rivet's column of the side-by-side benchmark: issue 13's workloads as Rivet graphs, built in
// code and run with @ironclad/rivet-node. The model is an External Call node whose function
// answers at once (or after 10 ms): Rivet's zero-latency fake model. An Iterator is a node in
// split mode (sequential for one by one). The ReAct turn is a Loop Controller cycle: the model
// (an External Call answering at once with a tool call, ten times, then the answer), the tool
// (an External Call answering with a tool error), and whether the model asked for a tool again.
// Prints one JSON line per workload: {"workload", "ms"}.
// `node rivet_bench.mjs rss 10000` prints the peak RSS of one 10,000-item run instead.
import { runGraph } from '@ironclad/rivet-node';

const ROUND_MS = 300;
const rounds = Number(process.env.ROUNDS ?? 3);

let next = 0;
const node = (type, data, extra = {}) => ({
  type, id: `n${next++}`, title: type, visualData: { x: 0, y: 0 }, data, ...extra,
});
const input = (dataType) => node('graphInput', { id: 'input', dataType, useDefaultValueInput: false });
const output = (dataType) => node('graphOutput', { id: 'output', dataType });
const model = (fn, extra) => node('externalCall', { functionName: fn, useFunctionNameInput: false, useErrorOutput: false }, extra);
const wire = (from, out, to, inp) => ({ outputNodeId: from.id, outputId: out, inputNodeId: to.id, inputId: inp });

function project(nodes, connections) {
  return {
    metadata: { id: 'bench', title: 'bench', description: '', mainGraphId: 'main' },
    graphs: { main: { metadata: { id: 'main', name: 'main' }, nodes, connections } },
  };
}

/** Input → 38 model calls → Output: 40 nodes. */
function chain() {
  const nodes = [input('string')];
  const connections = [];
  let previous = [nodes[0], 'data'];
  for (let i = 0; i < 38; i++) {
    const step = model('instant');
    nodes.push(step);
    connections.push(wire(previous[0], previous[1], step, 'arguments'));
    previous = [step, 'result'];
  }
  const out = output('string');
  nodes.push(out);
  connections.push(wire(previous[0], previous[1], out, 'value'));
  return project(nodes, connections);
}

/** Input → a model call split over the items (sequential or all at once) → Output. */
function iterator(fn, items, sequential) {
  const i = input('string[]');
  const ask = model(fn, { isSplitRun: true, isSplitSequential: sequential, splitRunMax: items });
  const o = output('string[]');
  return project([i, ask, o], [wire(i, 'data', ask, 'arguments'), wire(ask, 'result', o, 'value')]);
}

/**
 * The agent/tools loop as a Rivet cycle: Input → Loop Controller (the conversation) → model →
 * tools → back to the controller, which goes round while the model's last message calls a tool;
 * its Break output (the conversation) is the graph's output.
 */
function react() {
  const i = input('object[]');
  const loop = node('loopController', { maxIterations: 100, atMaxIterationsAction: 'error' });
  const agent = model('agent');
  const tools = model('tools');
  const calling = model('calling');
  const o = output('any');
  return project([i, loop, agent, tools, calling, o], [
    wire(i, 'data', loop, 'input1Default'),
    wire(loop, 'output1', agent, 'arguments'),
    wire(agent, 'result', tools, 'arguments'),
    wire(agent, 'result', calling, 'arguments'),
    wire(tools, 'result', loop, 'input1'),
    wire(calling, 'result', loop, 'continue'),
    wire(loop, 'break', o, 'value'),
  ]);
}

const REACT_STEPS = 10;
/** The scripted model: a tool call per step until REACT_STEPS, then the answer. */
function agentReply(_ctx, ...messages) {
  const calls = messages.filter((m) => m.role === 'assistant').length;
  const reply = calls < REACT_STEPS
    ? { role: 'assistant', content: `Looking up order ${calls}.`,
        toolCalls: [{ id: `call_${calls}`, name: 'orders__lookup', arguments: { order_id: `O-${calls}` } }] }
    : { role: 'assistant', content: 'All ten orders are on their way.' };
  return { type: 'object[]', value: [...messages, reply] };
}

const externalFunctions = {
  agent: async (ctx, ...messages) => agentReply(ctx, ...messages),
  tools: async (_ctx, ...messages) => {
    const last = messages[messages.length - 1];
    const call = last.toolCalls?.[0];
    if (!call) return { type: 'object[]', value: messages };
    return { type: 'object[]', value: [...messages, { role: 'tool', toolCallId: call.id, content: 'error: no local handler' }] };
  },
  calling: async (_ctx, ...messages) => ({ type: 'boolean', value: Boolean(messages[messages.length - 1].toolCalls) }),
  instant: async () => ({ type: 'string', value: 'better' }),
  slow: async () => { await new Promise((r) => setTimeout(r, 10)); return { type: 'string', value: 'better' }; },
};
const items = (n) => Array.from({ length: n }, (_, k) => `item ${k}`);

async function run(p, value, type) {
  return runGraph(p, { graph: 'main', inputs: { input: { type, value } }, externalFunctions });
}

function median(xs) { xs.sort((a, b) => a - b); return xs[Math.floor(xs.length / 2)]; }

async function medianMs(once) {
  await once();
  const medians = [];
  for (let r = 0; r < rounds; r++) {
    const times = [];
    const began = performance.now();
    while (times.length < 1 || performance.now() - began < ROUND_MS) {
      const t = performance.now();
      await once();
      times.push(performance.now() - t);
    }
    medians.push(median(times));
  }
  return median(medians);
}

async function main() {
  const args = process.argv.slice(2);
  if (args[0] === 'rss') {
    const n = Number(args[1] ?? 10000);
    const out = await run(iterator('instant', n, true), items(n), 'string[]');
    if (out.output.value.length !== n) throw new Error('wrong item count');
    console.log(JSON.stringify({ items: n, peak_rss_kb: Math.round(process.resourceUsage().maxRSS) }));
    return;
  }
  const only = args[0];
  const report = async (workload, once) => {
    if (only && workload !== only) return;
    console.log(JSON.stringify({ workload, ms: await medianMs(once) }));
  };
  const c = chain();
  await report('chain_40', async () => {
    const out = await run(c, 'draft', 'string');
    if (out.output.value !== 'better') throw new Error(`chain gave ${JSON.stringify(out.output)}`);
  });
  for (const [name, n, sequential] of [['iterator_1000', 1000, true], ['iterator_10000', 10000, true], ['iterator_10000_x16', 10000, false]]) {
    const p = iterator('instant', n, sequential);
    const doc = items(n);
    await report(name, async () => {
      const out = await run(p, doc, 'string[]');
      if (out.output.value.length !== n) throw new Error('wrong item count');
    });
  }
  const fan = iterator('slow', 100, false);
  const hundred = items(100);
  await report('fan_out_100_x_10ms', () => run(fan, hundred, 'string[]'));
  const r = react();
  const question = [{ role: 'user', content: 'Where are my orders?' }];
  await report('react_10_steps', async () => {
    const out = await run(r, question, 'object[]');
    const conversation = out.output.value[0];
    const last = conversation[conversation.length - 1];
    if (!last.content.startsWith('All ten') || conversation.length !== 2 * REACT_STEPS + 2) {
      throw new Error(`ReAct gave ${JSON.stringify(out.output).slice(0, 300)}`);
    }
  });
}

await main();

// Synthetic reports, estimates and hints for the webview tests (deterministic: no randomness).


// Self-contained (no outer references): tests also run it inside the page via Function#toString.
export function syntheticReport(count, { symbolic = true } = {}) {
  const OPS = ['Conv', 'MatMul', 'Add', 'Relu', 'Softmax', 'LayerNormalization', 'Gather', 'Reshape', 'Transpose', 'Mul'];
  const nodes = [];
  const opAgg = new Map();
  let flopsTotal = 0;
  let paramsTotal = 0;
  for (let i = 0; i < count; i++) {
    const opType = OPS[i % OPS.length];
    const layer = Math.floor(i / 40);
    const block = ['attn', 'mlp', 'norm'][Math.floor(i / 10) % 3];
    const isMac = opType === 'Conv' || opType === 'MatMul';
    const flops = isMac ? 2 * ((i * 7919) % 100000 + 1000) * 512 : ((i * 104729) % 5000) * 16;
    const params = isMac ? ((i * 31) % 4096) * 64 : 0;
    const bytesRead = 4 * (((i * 13) % 9000) + 100);
    const bytesWritten = 4 * (((i * 17) % 7000) + 100);
    const status = i % 97 === 5 ? 'uncovered' : i % 53 === 7 ? 'unknown-cost' : 'costed';
    nodes.push({
      index: i,
      name: `/model/layers.${layer}/${block}/${opType}_${i}`,
      opType,
      domain: '',
      graphPath: '',
      scope: `/model/layers.${layer}/${block}`,
      status,
      flops: status === 'costed' ? flops : 0,
      macs: status === 'costed' ? Math.floor(flops / 2) * (isMac ? 1 : 0) : 0,
      ...(symbolic && i % 3 === 0 ? { flopsExpression: `${flops} * batch` } : {}),
      params,
      weightBytes: params * 4,
      bytesRead,
      bytesWritten,
      arithmeticIntensity: status === 'costed' ? flops / (bytesRead + bytesWritten) : null,
      computeDtype: 'float',
      inputs: [`t${i}`, isMac ? `w${i}` : ''].filter(Boolean),
      outputs: [{ name: `t${i + 1}`, dtype: 'float', shape: symbolic ? ['batch', 'sequence', 64 + (i % 8) * 64] : [1, 128, 64 + (i % 8) * 64] }],
      notes: i === 0 ? ['first node'] : [],
    });
    const n = nodes[i];
    flopsTotal += n.flops;
    paramsTotal += params;
    const a = opAgg.get(opType) ?? { opType, domain: '', count: 0, flops: 0, macs: 0, params: 0, bytesRead: 0, bytesWritten: 0, flopsShare: 0 };
    a.count++;
    a.flops += n.flops;
    a.macs += n.macs;
    a.params += params;
    a.bytesRead += bytesRead;
    a.bytesWritten += bytesWritten;
    opAgg.set(opType, a);
  }
  const opTypes = [...opAgg.values()].map((o) => ({ ...o, flopsShare: flopsTotal ? o.flops / flopsTotal : 0 }));
  const costed = nodes.filter((n) => n.status === 'costed').length;
  const uncovered = nodes.filter((n) => n.status === 'uncovered').length;
  return {
    schemaVersion: '1.0.0',
    tool: { name: 'onnx-hardware-profiler', version: '0.1.0' },
    model: { path: `/models/synthetic-${count}.onnx`, fileBytes: 1234, irVersion: 8, producer: 'synthetic', producerVersion: '1', opsets: { 'ai.onnx': 17 }, metadata: {} },
    bindings: {},
    unboundSymbols: symbolic ? ['batch', 'sequence'] : [],
    totals: {
      flops: flopsTotal,
      macs: nodes.reduce((a, n) => a + n.macs, 0),
      params: paramsTotal,
      weightBytes: paramsTotal * 4,
      weightBytesByDtype: { float: paramsTotal * 4, int64: 1368 },
      bytesRead: nodes.reduce((a, n) => a + n.bytesRead, 0),
      bytesWritten: nodes.reduce((a, n) => a + n.bytesWritten, 0),
      peakActivationBytes: 123456789,
      ...(symbolic ? { flopsExpression: `${flopsTotal} * batch` } : {}),
    },
    coverage: {
      nodes: count,
      costedNodes: costed,
      unknownCostNodes: count - costed - uncovered,
      uncoveredNodes: uncovered,
      percent: Math.round((costed / count) * 1000) / 10,
      uncoveredOpTypes: uncovered ? [{ opType: 'Softmax', domain: '', count: uncovered }] : [],
    },
    graphInputs: [{ name: 'input_ids', dtype: 'int64', shape: symbolic ? ['batch', 'sequence'] : [1, 128] }],
    graphOutputs: [{ name: 'logits', dtype: 'float', shape: symbolic ? ['batch', 'sequence', 512] : [1, 128, 512] }],
    nodes,
    opTypes,
    modules: { name: '', path: '', nodeCount: count, flops: flopsTotal, macs: 0, params: paramsTotal, bytesRead: 0, bytesWritten: 0, children: [] },
    diagnostics: [],
  };
}

export const TARGETS = ['h100-sxm', 'l4', 'a100-80gb', 'tpu-v5e', 'inferentia2', 'gaudi3', 'groq-lpu'];
const PEAK = { 'h100-sxm': 989e12, l4: 121e12, 'a100-80gb': 312e12, 'tpu-v5e': 197e12, inferentia2: 190e12, gaudi3: 1835e12, 'groq-lpu': 188e12 };
const BW = { 'h100-sxm': 3.35e12, l4: 0.3e12, 'a100-80gb': 2.0e12, 'tpu-v5e': 0.82e12, inferentia2: 0.82e12, gaudi3: 3.7e12, 'groq-lpu': 80e12 };

const isAccelerator = (t) => t.startsWith('tpu') || t === 'groq-lpu' || t === 'gaudi3' || t === 'inferentia2';

/**
 * The host's EstimatesPayload (src/protocol/payloads.ts) for a synthetic report: per target a full
 * ModelEstimate, node times as columns and the roof. Each node takes max(flops / peak, bytes / bandwidth)
 * + 2 µs, so no roofline point can sit above its roof.
 */
export function syntheticEstimates(report, targets = TARGETS, extra = {}) {
  const nodeTimes = {};
  const roofs = {};
  const estimates = targets.map((t, k) => {
    const peak = PEAK[t] * 0.6;
    const bw = BW[t] * 0.8;
    const costed = report.nodes.filter((n) => n.status === 'costed');
    const cols = { nodeIndex: [], seconds: [], flops: [], memoryBytes: [], bound: [], kernel: [] };
    let latency = 0;
    let computeBound = 0;
    for (const n of costed) {
      const bytes = n.bytesRead + n.bytesWritten;
      const cs = n.flops / peak;
      const ms = bytes / bw;
      const seconds = Math.max(cs, ms) + 2e-6;
      cols.nodeIndex.push(n.index);
      cols.seconds.push(seconds);
      cols.flops.push(n.flops);
      cols.memoryBytes.push(bytes);
      cols.bound.push(cs > ms ? 'compute' : 'memory');
      cols.kernel.push(n.index);
      latency += seconds;
      if (cs > ms) computeBound += seconds;
    }
    nodeTimes[t] = cols;
    roofs[t] = { peakFlopsPerSecond: peak, bandwidthBytesPerSecond: bw };
    const chips = t === 'l4' ? 2 : 1;
    return {
      target: t,
      targetName: t.toUpperCase(),
      deviceClass: isAccelerator(t) ? 'accelerator' : 'gpu',
      latencySeconds: latency,
      throughputPerSecond: 1 / latency,
      costPerMillionUsd: t === 'groq-lpu' ? null : (latency * 1e6 * (1 + k)) / 3600,
      joulesPerInference: t === 'groq-lpu' ? null : latency * (300 + 50 * k),
      fits: chips === 1,
      chipsNeeded: chips,
      computeBoundFraction: computeBound / latency,
      batch: 1,
      chips,
      layout: chips > 1 ? 'tensor-parallel' : 'single',
      throughputPerChipPerSecond: 1 / latency / chips,
      weightBytes: 4e9,
      activationBytes: 1e8,
      kvCacheBytes: 0,
      kvCacheUnbound: false,
      memoryNeededBytes: 4.1e9,
      memoryUsableBytesPerChip: t === 'l4' ? 2.16e9 : 72e9,
      interconnectSeconds: chips > 1 ? 1e-5 : 0,
      utilisation: 0.6,
      averagePowerWattsPerChip: t === 'groq-lpu' ? null : 300 + 50 * k,
      notEstimatedNodes: report.nodes.length - costed.length,
      notEstimatedOpTypes: ['Softmax'],
      precisionFallbackNodes: 0,
      notes: [],
    };
  });
  const best = estimates.filter((e) => e.fits).sort((a, b) => a.latencySeconds - b.latencySeconds)[0];
  return {
    batch: 1,
    available: [...targets.map((t) => ({ id: t, name: `Device ${t}`, vendor: 'v', deviceClass: isAccelerator(t) ? 'accelerator' : 'gpu', custom: false })), { id: 'my-npu', name: 'My NPU', vendor: 'me', deviceClass: 'edge', custom: true }],
    targets: estimates,
    bestTarget: best?.target ?? null,
    nodeTimes,
    roofs,
    unknownTargets: [],
    problems: [],
    notEstimated: [],
    whatIf: { applied: [], dropped: [] },
    ...extra,
  };
}

const saving = (target, seconds, baselineSeconds, extra = {}) => ({ target, verdict: seconds > 0 ? 'gain' : 'none', seconds, baselineSeconds, usdPerMillion: 0.01, bytes: 1e6, chipsBefore: 1, chipsAfter: 1, ...extra });

/** Hints in the host's shape (src/protocol/payloads.ts HintPayload): one with a what-if change, one advice with HTML-like text. */
export function syntheticHints(report) {
  const mm = report.nodes.filter((n) => n.opType === 'MatMul').slice(0, 20);
  return [
    {
      id: 'precision.fp8',
      code: 'precision.fp8',
      severity: 'high',
      nodes: mm.map((n) => n.index),
      nodeNames: mm.map((n) => n.name),
      message: 'MatMul layers could run in FP8.',
      explanation: 'Halves weight bytes; H100 has FP8 tensor cores.',
      savings: [saving('h100-sxm', 2e-5, 1e-4), saving('a100-80gb', 0, 1e-4, { reason: 'a100-80gb has no fp8', notApplicable: true, usdPerMillion: 0, bytes: 0 })],
      whatIf: true,
    },
    {
      id: 'static-graph.dynamic-shape',
      code: 'static-graph.dynamic-shape',
      severity: 'medium',
      nodes: [report.nodes[5].index],
      nodeNames: [report.nodes[5].name],
      message: 'No static shape: <img src=x onerror=alert(1)> is not HTML.',
      explanation: '',
      savings: [],
      whatIf: false,
    },
  ];
}

export function settings(overrides = {}) {
  return { computeUnit: 'flops', memoryUnit: 'decimal', targets: TARGETS, batch: 1, ...overrides };
}

/**
 * EstimatesPayload.llm (src/protocol/messages.ts LlmPayload) for a GPT-J-like decoder: per target, the
 * LlmEstimate scalars combineLlm gives (decode streams the weights; prefill is compute-bound).
 */
export function syntheticLlm(targets = TARGETS, { promptTokens = 512, outputTokens = 128, batch = 1 } = {}) {
  const weights = 12.1e9;
  const MEM = { 'h100-sxm': 80e9, l4: 24e9, 'a100-80gb': 80e9, 'tpu-v5e': 16e9, inferentia2: 32e9, gaudi3: 128e9, 'groq-lpu': 0.23e9 };
  const PRICE = { 'h100-sxm': 3.2, l4: 0.8, 'a100-80gb': 1.8, 'tpu-v5e': 1.2, inferentia2: 0.76, gaudi3: null, 'groq-lpu': null };
  const WATTS = { 'h100-sxm': 700, l4: 72, 'a100-80gb': 400, 'tpu-v5e': 200, inferentia2: 175, gaudi3: 900, 'groq-lpu': 375 };
  const estimates = targets.map((t) => {
    const chipsNeeded = Math.max(1, Math.ceil((weights * 1.05) / (MEM[t] * 0.9)));
    const chips = chipsNeeded;
    const prefill = (2 * 6e9 * promptTokens * batch) / (PEAK[t] * 0.55 * chips);
    const step = weights / (BW[t] * 0.8 * chips) + 2e-5 * (chips - 1);
    const request = prefill + outputTokens * step;
    const tps = (batch * outputTokens) / request;
    const usd = PRICE[t] === null ? null : ((PRICE[t] * chips * request) / 3600 / (batch * outputTokens)) * 1e6;
    return {
      target: t,
      targetName: `Device ${t}`,
      batch,
      chips,
      chipsNeeded,
      fits: chipsNeeded === 1,
      layout: chips > 1 ? 'tensor-parallel' : 'single',
      decodeExpertsTouchedPerLayer: null,
      prefillSeconds: prefill,
      decodeStepSeconds: step,
      timeToFirstTokenSeconds: prefill,
      timePerOutputTokenSeconds: step,
      requestSeconds: request,
      tokensPerSecond: tps,
      tokensPerSecondPerChip: tps / chips,
      totalTokensPerSecond: (batch * (promptTokens + outputTokens)) / request,
      requestsPerSecond: batch / request,
      costPerMillionTokensUsd: usd,
      costPerMillionTotalTokensUsd: usd === null ? null : (usd * outputTokens) / (promptTokens + outputTokens),
      joulesPerOutputToken: t === 'groq-lpu' ? null : (WATTS[t] * chips * request) / (batch * outputTokens),
      prefillComputeBoundFraction: 0.97,
      decodeComputeBoundFraction: 0,
      notes: chipsNeeded > 1 ? [`does not fit on one ${t}: tensor-parallel over ${chips} chips`] : [],
    };
  });
  const best = estimates.reduce((a, b) => (a === null || b.tokensPerSecond > a.tokensPerSecond ? b : a), null);
  return { promptTokens, outputTokens, batch, layers: 28, estimates, bestTarget: best?.target ?? null };
}

/**
 * A synthetic report with a `moe` section (src/core/report/reportTypes.ts MoeReport): the `mlp` blocks of
 * layers 1 and 2 are fused MoE layers of 256 experts, top-8, one shared expert, DeepSeek-V3's figures.
 */
export function withMoe(report) {
  const layers = [1, 2].map((l) => {
    const scope = `/model/layers.${l}/mlp`;
    const nodes = report.nodes.filter((n) => n.scope === scope).map((n) => n.index);
    return {
      name: scope,
      nodes,
      kind: 'fused',
      experts: 256,
      topK: 8,
      sharedExperts: 1,
      paramsPerExpert: 44040192,
      weightBytesPerExpert: 88080384,
      sharedExpertParams: 44040192,
      routerNode: nodes[0],
      tokens: 1,
      expertFlopsExecuted: 704643072,
      expertFlopsSparse: 704643072,
    };
  });
  return {
    ...report,
    moe: {
      layers,
      experts: 256,
      topK: 8,
      sharedExperts: 1,
      totalParams: '671026419203',
      activeParamsPerToken: 37562783235,
      expertParams: '653933432832',
      expertFlopsExecuted: 40869298176,
      expertFlopsSparse: 40869298176,
    },
  };
}

/** Estimates of an MoE model: each target's ModelEstimate with its serving figures (`moe`), gaudi3 expert-parallel. */
export function withMoeEstimates(estimates) {
  return {
    ...estimates,
    targets: estimates.targets.map((e) => {
      const ep = e.target === 'gaudi3';
      const chips = ep ? 12 : e.chips;
      return {
        ...e,
        chips,
        layout: ep ? 'expert-parallel' : e.layout,
        moe: { skew: 0, layers: 58, experts: 256, topK: 8, routedTokens: 64, expertsTouchedPerLayer: 222.44, expertWeightBytesRead: 1.136e12, expertsPerChip: ep ? 22 : 256, allToAllSeconds: ep ? 1.3e-3 : 0 },
      };
    }),
  };
}

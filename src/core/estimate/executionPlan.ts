/**
 * The execution model: which kernels an optimising runtime runs for a profiled graph, and what each node
 * reads and writes once they are formed. `planExecution(report, 'fused')` applies the rules of
 * executionRules.ts (QDQ fusion, views, epilogue and element-wise chain fusion, LayerNorm and attention
 * fusion, in-place KV cache); 'as-exported' runs every node as its own kernel with the graph's own dtypes.
 *
 * How the fused plan is formed:
 *  1. Virtual nodes launch nothing: DequantizeLinear (its consumers read the quantized tensor it reads, or
 *     the stored quantized weight) and views (Reshape, Squeeze...: their output aliases their input).
 *  2. Kernels are groups of nodes: decomposed LayerNorms and attentions (hints/patterns.ts detectors) are one
 *     group each; then, in graph order, an element-wise op (QuantizeLinear among them) joins the group of the
 *     node producing one of its inputs (looking through virtual nodes) when that group is a MAC op or an
 *     element-wise chain (any group for QuantizeLinear), every consumer of that tensor is element-wise, and
 *     its other inputs are produced before the group's first node.
 *  3. A tensor whose consumers are all in its producer's group, and which is no graph output, stays on chip:
 *     neither written nor read. Reads through a virtual node read what that node reads.
 *  4. A QLinear element-wise op that joined another node's kernel does its float op only (the dequantize and
 *     quantize arithmetic is that kernel's output rescale).
 * Each node's bytes are the report's, less what stays on chip, with reads through virtual nodes replaced by
 * the narrower bytes they stand for; the rules that changed a node and the bytes saved are kept for the
 * per-node estimate. Pure; plans are cached per report object.
 */
import { GraphIndex } from '../analysis/graphIndex';
import { findKvCacheCopies } from '../hints/kvCache';
import { findDecomposedAttention, findDecomposedLayerNorms } from '../hints/patterns';
import { countToNumber, type NodeQuantization, type NodeReport, type ProfileReport } from '../report/reportTypes';
import type { ExecutionMode, FusionRuleId } from './executionRules';
import { fusedQlinearFlopShare } from '../ops/families/quantization';
import { ELEMENTWISE_OPS } from './opKinds';

/** One main-graph node as the execution model runs it. */
export interface ExecutedNode {
  readonly index: number;
  /** The dtype it computes in under this mode (the graph's own when executed as exported). */
  readonly computeDtype: string;
  readonly quantization?: NodeQuantization;
  /** Activation bytes read and written (not weights), at the dtypes the tensors are stored in. */
  readonly activationBytes: number;
  /** FLOPs per call when the execution differs from the report's (an MoE expert run on its routed rows only). */
  readonly flops?: number;
  /** Weight bytes read per call, the stored quantized weights it reads through DequantizeLinear included. */
  readonly weightBytes: number;
  /** Parameters those weight bytes hold. */
  readonly params: number;
  /**
   * 'kernel': it launches a kernel; 'fused': it runs inside another node's kernel (its work stays, its launch
   * goes); 'folded': it does no work of its own (a DequantizeLinear its consumers absorb, a view).
   */
  readonly runs: 'kernel' | 'fused' | 'folded';
  /**
   * A QuantizeLinear fused into the kernel that produces its input: its scale and saturating round are that
   * kernel's output conversion (any int8 kernel has one), no arithmetic of its own; its write stays.
   */
  readonly outputConversion?: boolean;
  /** The node whose kernel it runs in (or the consumer a DequantizeLinear folds into). */
  readonly fusedInto?: string;
  /** Index of the first node of the kernel it runs in (its own when it launches one); absent when folded. */
  readonly kernel?: number;
  /** Rules of the execution model that changed it, its own first. */
  readonly rules: readonly FusionRuleId[];
  /** Bytes it no longer moves compared with running as exported. */
  readonly bytesSaved: number;
}

export interface ExecutionPlan {
  readonly mode: ExecutionMode;
  /** By main-graph node index. */
  readonly nodes: ReadonlyMap<number, ExecutedNode>;
}

/** Relabels: ops whose output is their input under another shape. */
const RELABEL_OPS: ReadonlySet<string> = new Set(['Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);
/** Ops the plan may fold as views: the relabels, and a Dropout in inference mode (see markVirtual). */
const VIEW_OPS: ReadonlySet<string> = new Set([...RELABEL_OPS, 'Dropout']);
/** Data movement a fused attention kernel does through its strided reads: see `stridedReads`. */
const STRIDED_VIEW_OPS: ReadonlySet<string> = new Set(['Transpose', 'Slice', 'Split']);
/** Element-wise ops that can join a kernel: ONNX's, and ONNX Runtime's quantized element-wise ops. */
const POINTWISE_OPS: ReadonlySet<string> = new Set([...ELEMENTWISE_OPS, 'QLinearAdd', 'QLinearMul', 'QLinearSigmoid', 'QLinearLeakyRelu', 'QLinearWhere']);
const DEQUANTIZE = 'DequantizeLinear';
const QUANTIZE = 'QuantizeLinear';

const cache = new WeakMap<ProfileReport, Map<ExecutionMode, ExecutionPlan>>();
const outputSources = new WeakMap<ProfileReport, ReadonlyMap<string, string>>();

/**
 * Each graph output by the tensor that holds its data. A relabel the profile counts as moving no bytes (a Flatten or
 * Reshape as a model's last node) aliases its input, so the node producing that input writes the output, and that
 * input is as much an output as the output itself. Maps the output, and each tensor it relabels, to the output.
 */
export function graphOutputSources(report: ProfileReport): ReadonlyMap<string, string> {
  // Once per report: each estimate reads it twice (the declared-width writes and the L2 rule), on every target.
  const known = outputSources.get(report);
  if (known) return known;
  const producer = new Map<string, NodeReport>();
  for (const n of report.nodes) if (n.graphPath === '') for (const o of n.outputs) producer.set(o.name, n);
  const sources = new Map<string, string>();
  for (const out of report.graphOutputs) {
    let t = out.name;
    sources.set(t, out.name);
    for (let depth = 0; depth < 32; depth++) {
      const p = producer.get(t);
      if (!p || !isFreeRelabel(p)) break;
      t = p.inputs[0];
      if (!sources.has(t)) sources.set(t, out.name);
    }
  }
  outputSources.set(report, sources);
  return sources;
}

/** A relabel the profile counts as moving no bytes: its output aliases its data input. */
export function isFreeRelabel(n: NodeReport): boolean {
  return RELABEL_OPS.has(n.opType) && countToNumber(n.bytesWritten) === 0 && n.inputs[0] !== undefined && n.inputs[0] !== '';
}

/** The execution plan of a report's main graph under `mode` (default 'fused'). */
export function planExecution(report: ProfileReport, mode: ExecutionMode = 'fused'): ExecutionPlan {
  let perMode = cache.get(report);
  if (!perMode) cache.set(report, (perMode = new Map()));
  let plan = perMode.get(mode);
  if (!plan) perMode.set(mode, (plan = mode === 'fused' ? new FusedPlanner(report).plan() : asExportedPlan(report)));
  return plan;
}

/** The node as written: its report figures, and the graph's own dtype where QDQ fusion gave it another. */
export function asExported(n: NodeReport): ExecutedNode {
  const weightBytes = countToNumber(n.weightBytes);
  const viaQdq = n.quantization?.fromQdq === true;
  return {
    index: n.index,
    computeDtype: viaQdq ? n.quantization!.graphComputeDtype : n.computeDtype,
    quantization: viaQdq ? undefined : n.quantization,
    activationBytes: Math.max(0, countToNumber(n.bytesRead) + countToNumber(n.bytesWritten) - weightBytes),
    weightBytes,
    params: countToNumber(n.params),
    runs: 'kernel',
    kernel: n.index,
    rules: [],
    bytesSaved: 0,
  };
}

function asExportedPlan(report: ProfileReport): ExecutionPlan {
  return { mode: 'as-exported', nodes: new Map(report.nodes.filter((n) => n.graphPath === '').map((n) => [n.index, asExported(n)])) };
}

/** What a consumer reads when it reads a tensor: activation bytes, or weight bytes and the params they hold. */
interface Read {
  readonly activation: number;
  readonly weight: number;
  readonly params: number;
}

const NOTHING: Read = { activation: 0, weight: 0, params: 0 };

class FusedPlanner {
  private readonly index: GraphIndex;
  private readonly virtual = new Map<number, FusionRuleId>();
  private readonly parent = new Map<number, number>();
  /** The rule each node joined its group by (pattern groups: the pattern's rule). */
  private readonly joinedBy = new Map<number, FusionRuleId>();
  /** First nodes of the LayerNorm and attention groups, whose members may depend on nodes after them. */
  private readonly patternRoots = new Set<number>();

  constructor(report: ProfileReport) {
    this.index = GraphIndex.of(report);
  }

  plan(): ExecutionPlan {
    for (const n of this.index.nodes) if (n.status === 'costed') this.markVirtual(n);
    this.groupPatterns();
    for (const n of this.index.nodes) this.joinProducer(n);
    for (const n of [...this.index.nodes].reverse()) this.joinConsumer(n);
    const kv = new Map(findKvCacheCopies(this.index).map((c) => [c.node.index, c.node.opType === 'Concat' ? 2 * c.copiedBytes : c.copiedBytes]));
    const joinedRules = this.rulesByGroup();
    const anchors = this.anchors();
    const nodes = new Map<number, ExecutedNode>();
    for (const n of this.index.nodes) {
      const root = this.find(n.index);
      nodes.set(n.index, this.execute(n, kv.get(n.index) ?? 0, joinedRules.get(root) ?? [], anchors.get(root) ?? root));
    }
    return { mode: 'fused', nodes };
  }

  // ---- 1. virtual nodes

  private markVirtual(n: NodeReport): void {
    const out = n.outputs[0]?.name;
    if (!out || this.index.graphOutputs.has(out) || this.index.consumers(out).length === 0) return;
    if (n.opType === DEQUANTIZE) {
      this.virtual.set(n.index, 'qdq');
      return;
    }
    if (!VIEW_OPS.has(n.opType) || !n.inputs[0]) return;
    // Dropout is a view only when its mask goes nowhere and it is in inference mode: in training mode (its cost
    // rule counts the masking arithmetic then) it draws a mask and scales its input, a kernel of its own.
    if (n.outputs.slice(1).some((o) => this.index.consumers(o.name).length > 0 || this.index.graphOutputs.has(o.name))) return;
    if (n.opType === 'Dropout' && countToNumber(n.flops) > 0) return;
    const inBytes = this.bytesOf(n.inputs[0]);
    const outBytes = this.bytesOf(n.outputs[0].name);
    // An initializer input has no summary: its node's stored weight bytes say its size.
    const sourceBytes = inBytes ?? (this.index.isInitializer(n.inputs[0]) ? countToNumber(n.weightBytes) : undefined);
    if (sourceBytes !== undefined && outBytes !== undefined && sourceBytes === outBytes) this.virtual.set(n.index, 'view');
  }

  private isVirtual(n: NodeReport | undefined): boolean {
    return n !== undefined && this.virtual.has(n.index);
  }

  /** The node that really produces a tensor: its producer, looking back through virtual nodes' data input. */
  private effectiveProducer(tensor: string): NodeReport | undefined {
    let p = this.index.producer(tensor);
    for (let guard = 0; p && this.isVirtual(p) && guard < 32; guard++) p = p.inputs[0] ? this.index.producer(p.inputs[0]) : undefined;
    return p && !this.isVirtual(p) ? p : undefined;
  }

  private readonly consumersMemo = new Map<string, readonly NodeReport[]>();

  /** The nodes that really read a tensor: its consumers, looking forward through virtual nodes (fixed after step 1). */
  private effectiveConsumers(tensor: string, depth = 0): readonly NodeReport[] {
    const known = this.consumersMemo.get(tensor);
    if (known) return known;
    const found: NodeReport[] = [];
    for (const c of this.index.consumers(tensor)) {
      if (this.isVirtual(c) && depth < 32) for (const o of c.outputs) found.push(...this.effectiveConsumers(o.name, depth + 1));
      else found.push(c);
    }
    this.consumersMemo.set(tensor, found);
    return found;
  }

  // ---- 2. groups

  private find(i: number): number {
    let root = i;
    while (this.parent.has(root)) root = this.parent.get(root)!;
    return root;
  }

  private union(member: number, root: number, rule: FusionRuleId): void {
    const a = this.find(member);
    const b = this.find(root);
    if (a === b) return;
    const [keep, join] = a < b ? [a, b] : [b, a];
    this.parent.set(join, keep);
    this.joinedBy.set(member, rule);
  }

  private groupPatterns(): void {
    for (const m of findDecomposedLayerNorms(this.index)) this.groupOf(m.nodes, 'layernorm');
    for (const m of findDecomposedAttention(this.index)) this.groupOf([...m.nodes, ...this.stridedReads(m.nodes)], 'flash-attention');
  }

  private groupOf(indices: readonly number[], rule: FusionRuleId): void {
    const members = indices.map((i) => this.index.node(i)).filter((n): n is NodeReport => n !== undefined && n.status === 'costed' && !this.isVirtual(n));
    if (members.length < 2 || members.some((n) => this.parent.has(n.index) || this.joinedBy.has(n.index))) return;
    const root = Math.min(...members.map((n) => n.index));
    this.patternRoots.add(root);
    for (const n of members) {
      if (n.index !== root) this.union(n.index, root, rule);
      this.joinedBy.set(n.index, rule);
    }
  }

  /**
   * What a flash-attention kernel reads in place through strides and offsets: the Transposes, Slices and Splits
   * (chains of them) whose results only feed the attention's MatMuls, such as the head transposes of Q, K and V,
   * or MLA's values sliced off the latent cache the keys also read (FlashMLA reads both from one buffer); and the
   * Transpose after its context MatMul, written through strides.
   */
  private stridedReads(indices: readonly number[]): number[] {
    const inside = new Set(indices);
    const found: number[] = [];
    const pending = indices.filter((i) => this.index.node(i)?.opType === 'MatMul');
    for (const i of pending) {
      const out = this.index.node(i)!.outputs[0]?.name;
      const after = out ? this.effectiveConsumers(out) : [];
      if (!inside.has(after[0]?.index ?? -1) && after.length === 1 && after[0].opType === 'Transpose' && !this.index.graphOutputs.has(out!)) found.push(after[0].index);
    }
    while (pending.length > 0) {
      const n = this.index.node(pending.pop()!)!;
      for (const input of n.inputs) {
        const p = input ? this.effectiveProducer(input) : undefined;
        if (!p || inside.has(p.index) || !STRIDED_VIEW_OPS.has(p.opType)) continue;
        if (!p.outputs.every((o) => !this.index.graphOutputs.has(o.name) && this.effectiveConsumers(o.name).every((c) => inside.has(c.index)))) continue;
        inside.add(p.index);
        found.push(p.index);
        pending.push(p.index);
      }
    }
    return found;
  }

  /** Step 2: an element-wise op joins the kernel that produces one of its inputs. */
  private joinProducer(e: NodeReport): void {
    if (e.status !== 'costed' || this.isVirtual(e) || !POINTWISE_OPS.has(e.opType) || e.opType === DEQUANTIZE) return;
    if (this.joinedBy.has(e.index) || this.parent.has(e.index)) return;
    const isQuantize = e.opType === QUANTIZE;
    const data = [...new Set(e.inputs.filter((i) => i !== '' && !this.index.isInitializer(i)))];
    for (const t of data) {
      const p = this.effectiveProducer(t);
      if (!p || p.status !== 'costed' || this.index.graphOutputs.has(t)) continue;
      const root = this.find(p.index);
      const anchor = this.index.node(root)!;
      const onMac = countToNumber(anchor.macs) > 0;
      const onChain = !onMac && POINTWISE_OPS.has(anchor.opType) && !this.joinedBy.has(root);
      if (!isQuantize && !onMac && !onChain) continue;
      const consumers = this.effectiveConsumers(t);
      if (!consumers.every((c) => this.find(c.index) === root || (POINTWISE_OPS.has(c.opType) && c.opType !== DEQUANTIZE))) continue;
      const ready = data.every((u) => u === t || this.readyBefore(u, root));
      if (!ready) continue;
      this.union(e.index, root, isQuantize ? 'qdq' : onMac ? 'epilogue' : 'activation');
      return;
    }
  }

  /**
   * Whether `tensor` exists before the kernel starting at node `root` runs: it comes from before that node in
   * graph order, from that kernel, or from an earlier element-wise kernel (whose inputs all precede its start).
   */
  private readyBefore(tensor: string, root: number, depth = 0): boolean {
    const q = this.effectiveProducer(tensor);
    if (q === undefined || q.index < root) return true;
    const other = this.find(q.index);
    if (other === root || (other < root && !this.patternRoots.has(other))) return true;
    // An element-wise op not in any kernel yet, computed from what is ready, can run before (or inside) it.
    return depth < 4 && other === q.index && POINTWISE_OPS.has(q.opType) && q.inputs.every((i) => i === '' || this.index.isInitializer(i) || this.readyBefore(i, root, depth + 1));
  }

  /**
   * Step 2b, prologues: a DynamicQuantizeLinear all of whose outputs go to one MAC kernel is computed inside it
   * (ONNX Runtime's DynamicQuantizeMatMul); an element-wise op whose results only feed that kernel's epilogue
   * (the product of the activation and weight scales) is computed there too.
   */
  private joinConsumer(e: NodeReport): void {
    const dynamic = e.opType === 'DynamicQuantizeLinear';
    if (e.status !== 'costed' || this.isVirtual(e) || this.parent.has(e.index) || this.joinedBy.has(e.index)) return;
    if (!dynamic && (!POINTWISE_OPS.has(e.opType) || e.opType === DEQUANTIZE)) return;
    if (e.outputs.some((o) => this.index.graphOutputs.has(o.name))) return;
    const consumers = e.outputs.flatMap((o) => [...this.effectiveConsumers(o.name)]);
    if (consumers.length === 0) return;
    const roots = new Set(consumers.map((c) => this.find(c.index)));
    if (roots.size !== 1) return;
    const root = [...roots][0];
    const anchor = this.index.node(root)!;
    if (countToNumber(anchor.macs) <= 0) return;
    if (!dynamic && consumers.some((c) => c.index === root)) return;
    if (!e.inputs.every((i) => i === '' || this.index.isInitializer(i) || this.readyBefore(i, root))) return;
    this.union(e.index, root, dynamic ? 'qdq' : 'epilogue');
  }

  // ---- 3. bytes

  private readonly internalMemo = new Map<string, boolean>();
  /** Per kernel, the tensors from outside it that one of its nodes already reads (a kernel reads each once). */
  private readonly readByKernel = new Map<number, Set<string>>();

  /** A tensor that stays on chip: produced in a kernel that all its readers belong to, and no graph output (step 3). */
  private isInternal(tensor: string): boolean {
    let internal = this.internalMemo.get(tensor);
    if (internal === undefined) {
      const p = this.index.producer(tensor);
      const root = p && !this.isVirtual(p) && !this.index.graphOutputs.has(tensor) ? this.find(p.index) : undefined;
      const consumers = this.effectiveConsumers(tensor);
      internal = root !== undefined && consumers.length > 0 && consumers.every((c) => this.find(c.index) === root);
      this.internalMemo.set(tensor, internal);
    }
    return internal;
  }

  private readonly bytesMemo = new Map<string, number | undefined>();

  private bytesOf(tensor: string): number | undefined {
    if (this.bytesMemo.has(tensor)) return this.bytesMemo.get(tensor);
    const t = this.index.tensor(tensor);
    const bytes = t ? this.index.bytes(t) : undefined;
    this.bytesMemo.set(tensor, bytes);
    return bytes;
  }

  /** What a node of group `root` reads when it reads `tensor` (through virtual nodes). */
  private readOf(tensor: string, root: number, depth = 0): Read {
    const p = this.index.producer(tensor);
    if (!p || !this.isVirtual(p) || depth > 32) {
      if (p && !this.isVirtual(p) && this.find(p.index) === root && this.isInternal(tensor)) return NOTHING;
      return { activation: this.bytesOf(tensor) ?? 0, weight: 0, params: 0 };
    }
    const data = p.inputs[0];
    if (this.virtual.get(p.index) === 'view') {
      if (data && this.index.isInitializer(data)) return { activation: 0, weight: countToNumber(p.bytesRead), params: countToNumber(p.params) };
      return data ? this.readOf(data, root, depth + 1) : NOTHING;
    }
    // DequantizeLinear: its initializer inputs (the stored weight, scales, zero points) as it reads them, and
    // what its other inputs stand for.
    let summarised = 0;
    let sub: Read = NOTHING;
    for (const i of new Set(p.inputs)) {
      const bytes = i ? this.bytesOf(i) : undefined;
      if (!i || bytes === undefined) continue;
      summarised += bytes;
      const r = this.readOf(i, root, depth + 1);
      sub = { activation: sub.activation + r.activation, weight: sub.weight + r.weight, params: sub.params + r.params };
    }
    const stored = Math.max(0, countToNumber(p.bytesRead) - summarised);
    const total = stored + sub.activation + sub.weight;
    return data && this.index.isConstLike(data) ? { activation: 0, weight: total, params: countToNumber(p.params) + sub.params } : { activation: total, weight: 0, params: 0 };
  }

  /** Per group's first node: the rules by which members joined it. */
  private rulesByGroup(): Map<number, FusionRuleId[]> {
    const byRoot = new Map<number, FusionRuleId[]>();
    for (const [member, rule] of this.joinedBy) {
      const root = this.find(member);
      const rules = byRoot.get(root) ?? [];
      if (!rules.includes(rule)) rules.push(rule);
      byRoot.set(root, rules);
    }
    return byRoot;
  }

  /** Per group's first node: the node that names the kernel and launches it, its first MAC op (else itself). */
  private anchors(): Map<number, number> {
    const anchors = new Map<number, number>();
    for (const member of this.parent.keys()) {
      const root = this.find(member);
      const n = this.index.node(member)!;
      const current = anchors.get(root);
      if (countToNumber(n.macs) > 0 && (current === undefined || member < current) && countToNumber(this.index.node(root)!.macs) <= 0) anchors.set(root, member);
    }
    return anchors;
  }

  private execute(n: NodeReport, kvSaved: number, groupRules: readonly FusionRuleId[], anchor: number): ExecutedNode {
    const exported = asExported(n);
    const virtualRule = this.virtual.get(n.index);
    if (virtualRule) {
      const out = n.outputs[0]?.name;
      return {
        index: n.index,
        computeDtype: n.computeDtype,
        quantization: n.quantization,
        activationBytes: 0,
        weightBytes: 0,
        params: 0,
        runs: 'folded',
        fusedInto: out ? this.effectiveConsumers(out)[0]?.name : undefined,
        rules: [virtualRule],
        bytesSaved: exported.activationBytes + exported.weightBytes,
      };
    }
    if (n.status !== 'costed') return exported;
    const root = this.find(n.index);
    const rules = new Set<FusionRuleId>();
    const own = this.joinedBy.get(n.index);
    if (own) rules.add(own);
    let activation = exported.activationBytes;
    let weight = exported.weightBytes;
    let params = exported.params;

    // Reads: each distinct input once, the share of the node's reads it can account for.
    const inputs = [...new Set(n.inputs.filter((i) => i !== '' && !this.index.isInitializer(i)))];
    const sizes = inputs.map((i) => this.bytesOf(i) ?? 0);
    let pending = sizes.reduce((a, b) => a + b, 0);
    let unexplained = Math.max(0, countToNumber(n.bytesRead) - countToNumber(n.weightBytes));
    for (let k = 0; k < inputs.length; k++) {
      const i = inputs[k];
      const bytes = sizes[k];
      pending -= bytes;
      if (bytes <= 0) continue;
      const share = Math.min(bytes, Math.max(0, unexplained - pending));
      const p = this.index.producer(i);
      const alreadyRead = this.readByKernel.get(root) ?? new Set<string>();
      this.readByKernel.set(root, alreadyRead);
      if (alreadyRead.has(i)) {
        activation -= share;
      } else if (p && this.isVirtual(p)) {
        alreadyRead.add(i);
        const r = this.readOf(i, root);
        const f = share / bytes;
        activation += r.activation * f - share;
        weight += r.weight * f;
        params += r.params * f;
        rules.add(this.virtual.get(p.index)!);
      } else if (p && this.find(p.index) === root && this.isInternal(i)) {
        activation -= share;
      } else {
        alreadyRead.add(i);
      }
      unexplained -= share;
    }
    // Writes: outputs that stay on chip.
    let written = countToNumber(n.bytesWritten);
    for (const o of n.outputs) {
      if (!this.isInternal(o.name)) continue;
      const bytes = Math.min(written, this.bytesOf(o.name) ?? 0);
      activation -= bytes;
      written -= bytes;
    }
    if (kvSaved > 0) {
      activation -= kvSaved;
      rules.add('kv-cache-in-place');
    }
    activation = Math.max(0, activation);
    const launches = anchor === n.index;
    // A QLinear element-wise op in another kernel's epilogue keeps its float op only: its dequantize and
    // quantize steps fold into the rescale that kernel applies to its output anyway.
    const requantizedShare = fusedQlinearFlopShare(n.opType);
    // The node that launches a kernel others joined has its writes changed by their rules.
    if (launches) for (const r of groupRules) rules.add(r);
    return {
      index: n.index,
      computeDtype: n.computeDtype,
      quantization: n.quantization,
      activationBytes: activation,
      weightBytes: weight,
      params,
      runs: launches ? 'kernel' : 'fused',
      ...(!launches && requantizedShare !== undefined ? { flops: countToNumber(n.flops) * requantizedShare } : {}),
      outputConversion: !launches && n.opType === QUANTIZE && own === 'qdq',
      kernel: root,
      fusedInto: launches ? undefined : this.index.node(anchor)!.name,
      rules: [...rules],
      bytesSaved: exported.activationBytes + exported.weightBytes - activation - weight,
    };
  }
}

/**
 * One open model: its profiling worker, bindings, compared targets and latest results. Editors, the graph
 * text view, diagnostics and the status bar all read the same session, so a model is profiled once.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { KvCacheDtype, PrecisionChoice } from '../core/estimate/precision';
import type { AnalysisOptions, AnalysisReport } from '../core/pipeline/analysisTypes';
import { expandTargetGroups, resolveTargets } from '../core/pipeline/targets';
import { LLM_DEFAULT_OUTPUT_TOKENS, LLM_DEFAULT_PROMPT_TOKENS, type BatchChoice, type EstimatesPayload, type HintPayload, type HardwareTargetInfo } from '../protocol/messages';
import type { GraphText } from '../worker/graphText';
import { type AnalyzeJob, decodeResult, type WorkerResult, type WorkerResultMessage } from '../worker/workerProtocol';
import { settingsCatalog } from './hardwareCatalog';
import { type SessionChoices, withDimBindings } from './sessionChoices';
import { readSettings } from './settings';

export type SessionState =
  | { readonly kind: 'loading'; readonly message: string }
  | {
      readonly kind: 'ready';
      /** The analysed report (what the CLI's --format json prints for the same options). */
      readonly report: AnalysisReport;
      readonly estimates?: EstimatesPayload;
      readonly hints?: readonly HintPayload[];
      readonly graphText?: GraphText;
      readonly millis: number;
    }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/** Where sessions keep their choices between windows (the workspace memento). */
export interface ChoicesStore {
  get(uri: vscode.Uri): SessionChoices | undefined;
  set(uri: vscode.Uri, choices: SessionChoices): void;
}

/**
 * Files the worker can read by path: `file:` URIs, and in a remote window (code-server, SSH, WSL; the
 * extension host runs next to the files) `vscode-remote:` URIs of this remote.
 */
export function isLocalToExtensionHost(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' || (uri.scheme === 'vscode-remote' && vscode.env.remoteName !== undefined);
}

export class ModelSession implements vscode.Disposable {
  private worker: Worker | undefined;
  private pending: { id: number; resolve(r: WorkerResult): void } | undefined;
  private nextId = 1;
  private readonly changed = new vscode.EventEmitter<ModelSession>();
  readonly onDidChange = this.changed.event;
  private _state: SessionState = { kind: 'loading', message: 'Profiling…' };
  private choices: SessionChoices;
  /** The graph text, printed once per model (it does not depend on bindings). */
  private graphText: GraphText | undefined;
  /** Id of the worker result whose report nodes the ready state holds. */
  private nodesFrom: number | undefined;
  /** The symbolic dim the batch binds, from the last analysis (undefined when the export fixes the batch). */
  private batchDim: string | undefined;
  private generation = 0;
  private disposed = false;

  constructor(
    readonly uri: vscode.Uri,
    private readonly workerPath: string,
    private readonly store?: ChoicesStore,
  ) {
    const s = readSettings(uri);
    // A group in the settings (`accelerators`, as the CLI's --target takes it) starts the session with its devices.
    const targets = expandTargetGroups(s.targets, settingsCatalog(s.customHardware).catalog);
    this.choices = store?.get(uri) ?? { bindings: { ...s.bindings }, targets, batch: s.batch, chips: s.chips, promptTokens: LLM_DEFAULT_PROMPT_TOKENS, outputTokens: LLM_DEFAULT_OUTPUT_TOKENS, whatIf: [] };
  }

  /** The dims the user bound (set with bindDims). */
  get bindings(): Readonly<Record<string, number>> {
    return this.choices.bindings;
  }

  /** The profile view's Apply: its bindings, the batch dim's going to the batch choice (`withDimBindings`). Call profile() to apply. */
  bindDims(bindings: Readonly<Record<string, number>>): void {
    const dim = this.batchDim;
    this.save(withDimBindings(this.choices, bindings, dim, dim === undefined ? undefined : this.report?.bindings[dim]));
  }

  get state(): SessionState {
    return this._state;
  }

  get report(): AnalysisReport | undefined {
    return this._state.kind === 'ready' ? this._state.report : undefined;
  }

  get targets(): readonly string[] {
    return this.choices.targets;
  }

  get batch(): BatchChoice {
    return this.choices.batch;
  }

  /** The deployment's chip count; 0: the chips the model needs. */
  get chips(): number {
    return this.choices.chips ?? 0;
  }

  get precision(): PrecisionChoice | undefined {
    return this.choices.precision;
  }

  get kvCache(): KvCacheDtype | undefined {
    return this.choices.kvCache;
  }

  get promptTokens(): number {
    return this.choices.promptTokens;
  }

  get outputTokens(): number {
    return this.choices.outputTokens;
  }

  get whatIf(): readonly string[] {
    return this.choices.whatIf;
  }

  /** The saved report or model (a path on the extension host) the figures are compared with, if any. */
  get baseline(): string | undefined {
    return this.choices.baseline;
  }

  /** Compares with `baseline` from the next analysis on (undefined: stops comparing); false when it is already so. */
  setBaseline(baseline: string | undefined): boolean {
    if (baseline === this.choices.baseline) return false;
    const { baseline: _old, ...rest } = this.choices;
    this.save(baseline === undefined ? rest : { ...rest, baseline });
    return true;
  }

  /** The MoE routing skew the estimates assume: the view's choice, else the setting. */
  get moeSkew(): number {
    return this.choices.moeSkew ?? readSettings(this.uri).moeSkew;
  }

  private setState(s: SessionState): void {
    this._state = s;
    if (!this.disposed) this.changed.fire(this);
  }

  /** The pipeline's options for this session, with what only the host knows for the views. */
  private analysisRequest(): { options: AnalysisOptions; available: HardwareTargetInfo[]; unknownTargets: string[]; problems: string[] } {
    const s = readSettings(this.uri);
    const { catalog, available } = settingsCatalog(s.customHardware);
    const { entries, unknown } = resolveTargets(this.choices.targets, catalog);
    const c = this.choices;
    return {
      options: {
        bindings: new Map(Object.entries(this.bindings)),
        targets: entries,
        batch: c.batch,
        ...(c.chips ? { chips: c.chips } : {}),
        ...(c.precision ? { precision: c.precision } : {}),
        ...(c.kvCache ? { kvCache: c.kvCache } : {}),
        efficiency: s.efficiencyOverrides,
        execution: s.execution,
        moeSkew: c.moeSkew ?? s.moeSkew,
        whatIf: c.whatIf,
        llm: { promptTokens: c.promptTokens, outputTokens: c.outputTokens },
      },
      available,
      unknownTargets: unknown,
      problems: [...s.customHardwareProblems, ...catalog.problems],
    };
  }

  /** (Re)profiles the model, showing progress; a job already running is cancelled (its worker is terminated). */
  profile(): Promise<void> {
    return this.analyze(Object.keys(this.bindings).length ? 'Profiling with the new bindings…' : 'Profiling…');
  }

  /** Re-analyses after a change of targets, batch, precision, LLM request or what-if: the view keeps showing the last result meanwhile. */
  reestimate(): Promise<void> {
    return this.analyze(this.report ? undefined : 'Profiling…');
  }

  private async analyze(loadingMessage: string | undefined): Promise<void> {
    if (!isLocalToExtensionHost(this.uri)) {
      this.setState({ kind: 'error', code: 'io-error', message: `cannot profile '${this.uri.toString()}': only files on disk can be profiled` });
      return;
    }
    const gen = ++this.generation;
    if (loadingMessage !== undefined) this.setState({ kind: 'loading', message: loadingMessage });
    const request = this.analysisRequest();
    const held = this._state.kind === 'ready' ? this.nodesFrom : undefined;
    const baseline = this.choices.baseline;
    const job: AnalyzeJob = {
      id: this.nextId++,
      path: this.uri.fsPath,
      options: request.options,
      graphText: this.graphText === undefined,
      ...(held !== undefined ? { nodesFrom: held } : {}),
      ...(baseline !== undefined ? { baselinePath: baseline } : {}),
    };
    // A long job (a new batch re-profiles a large model) shows a cancellable notification after half a second.
    const result = await this.withCancellableProgress(this.send(job));
    if (gen !== this.generation || this.disposed || !result) return;
    if (!result.ok) {
      this.setState({ kind: 'error', code: result.code, message: result.message });
      return;
    }
    const previous = this._state.kind === 'ready' ? this._state.report : undefined;
    const nodes = result.report.nodes ?? previous?.nodes;
    if (!nodes) {
      this.setState({ kind: 'error', code: 'internal', message: 'internal error: the worker left out report nodes the host does not hold' });
      return;
    }
    if (result.baselineProblem) {
      // A baseline that cannot be compared (moved, edited, not a report) is dropped, and the user told why.
      this.setBaseline(undefined);
      void vscode.window.showWarningMessage(result.baselineProblem);
    }
    this.nodesFrom = result.id;
    this.batchDim = result.batchDim;
    this.graphText ??= result.graphText;
    const c = this.choices;
    const estimates: EstimatesPayload = result.estimates
      ? { ...result.estimates, available: request.available, unknownTargets: request.unknownTargets, problems: request.problems }
      : {
          batch: c.batch === 'max' ? 1 : c.batch,
          available: request.available,
          targets: [],
          bestTarget: null,
          nodeTimes: {},
          roofs: {},
          unknownTargets: request.unknownTargets,
          problems: request.problems,
          notEstimated: [],
          note: request.available.length === 0 ? 'no hardware targets are defined (add some under onnxProfiler.customHardware)' : 'no targets chosen',
          whatIf: { applied: [], dropped: c.whatIf },
        };
    // What-ifs whose hint is gone (other targets, another binding) are dropped, so what is saved is what is applied.
    if (estimates.whatIf.dropped.length) this.save({ ...c, whatIf: c.whatIf.filter((id) => !estimates.whatIf.dropped.includes(id)) });
    this.setState({ kind: 'ready', report: { ...result.report, nodes }, estimates, ...(result.hints ? { hints: result.hints } : {}), ...(this.graphText ? { graphText: this.graphText } : {}), millis: result.millis });
  }

  /**
   * Applies a compare request from a view. Returns false when nothing changed (the caller re-sends the
   * current state instead of recomputing: views may echo their settings back).
   */
  setCompare(request: { targets: readonly string[]; batch: BatchChoice; chips?: number; precision?: PrecisionChoice; kvCache?: KvCacheDtype; promptTokens?: number; outputTokens?: number; whatIf?: readonly string[]; moeSkew?: number }): boolean {
    const c = this.choices;
    const next: SessionChoices = {
      bindings: c.bindings,
      targets: [...request.targets],
      batch: request.batch,
      chips: request.chips ?? c.chips ?? 0,
      ...(request.precision ? { precision: request.precision } : {}),
      ...(request.kvCache ? { kvCache: request.kvCache } : {}),
      promptTokens: request.promptTokens ?? c.promptTokens,
      outputTokens: request.outputTokens ?? c.outputTokens,
      whatIf: request.whatIf ? [...request.whatIf] : c.whatIf,
      ...(request.moeSkew !== undefined ? { moeSkew: request.moeSkew } : c.moeSkew !== undefined ? { moeSkew: c.moeSkew } : {}),
      ...(c.baseline !== undefined ? { baseline: c.baseline } : {}),
    };
    const same = JSON.stringify(next) === JSON.stringify(c);
    if (same && this._state.kind === 'ready' && this._state.estimates) return false;
    this.save(next);
    return true;
  }

  private save(next: SessionChoices): void {
    this.choices = next;
    this.store?.set(this.uri, next);
  }

  /**
   * Shows a cancellable notification when a job outlasts PROGRESS_DELAY_MS (quick profiles show none);
   * Cancel terminates the worker, and the job resolves as cancelled.
   */
  private withCancellableProgress<T>(job: Promise<T>): Promise<T> {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Profiling ${path.basename(this.uri.fsPath)}`, cancellable: true },
        (_progress, token) => {
          token.onCancellationRequested(() => {
            this.cancelRunning();
            this.setState({ kind: 'error', code: 'cancelled', message: 'profiling was cancelled; reopen the model or rebind a dim to run it again' });
          });
          return job.then(() => undefined, () => undefined);
        },
      );
    }, PROGRESS_DELAY_MS);
    return job.finally(() => {
      done = true;
      clearTimeout(timer);
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerPath, { resourceLimits: { maxOldGenerationSizeMb: 4096 } });
    w.on('message', (m: WorkerResultMessage) => {
      const p = this.pending;
      if (p && p.id === m.id) {
        this.pending = undefined;
        // Large reports are parsed a few thousand nodes per turn of the event loop (workerProtocol.ts).
        void decodeResult(m).then((r) => p.resolve(r));
      }
    });
    w.on('error', (e) => this.workerGone(w, `the profiler stopped: ${e.message}`));
    w.on('exit', (code) => this.workerGone(w, `the profiler stopped (exit code ${code}; out of memory?)`));
    this.worker = w;
    return w;
  }

  private workerGone(w: Worker, message: string): void {
    if (this.worker !== w) return;
    this.worker = undefined;
    const p = this.pending;
    this.pending = undefined;
    p?.resolve({ id: p.id, ok: false, code: 'internal', message });
  }

  private cancelRunning(): void {
    if (!this.pending || !this.worker) return;
    const w = this.worker;
    const p = this.pending;
    this.worker = undefined;
    this.pending = undefined;
    void w.terminate();
    p.resolve({ id: p.id, ok: false, code: 'cancelled', message: 'cancelled' });
  }

  private send(job: AnalyzeJob): Promise<WorkerResult | undefined> {
    this.cancelRunning();
    const w = this.ensureWorker();
    return new Promise((resolve) => {
      this.pending = { id: job.id, resolve: (r) => resolve(r.ok === false && r.code === 'cancelled' ? undefined : r) };
      w.postMessage(job);
    });
  }

  dispose(): void {
    this.disposed = true;
    this.cancelRunning();
    void this.worker?.terminate();
    this.worker = undefined;
    this.changed.dispose();
  }
}

/** Profiles that finish sooner show no notification. */
const PROGRESS_DELAY_MS = 500;

/** All open sessions, reference-counted by the views that use them; tracks the active one. */
export class SessionManager implements vscode.Disposable {
  private readonly sessions = new Map<string, { session: ModelSession; refs: number; sub: vscode.Disposable }>();
  private _active: ModelSession | undefined;
  private readonly activeChanged = new vscode.EventEmitter<ModelSession | undefined>();
  /** Fires when the active session changes or its state changes. */
  readonly onDidChangeActive = this.activeChanged.event;
  private readonly anyChanged = new vscode.EventEmitter<ModelSession>();
  readonly onDidChangeSession = this.anyChanged.event;
  private readonly closed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when the last view of a model closes (its session is gone). */
  readonly onDidCloseSession = this.closed.event;

  constructor(
    private readonly extensionPath: string,
    private readonly store?: ChoicesStore,
  ) {}

  get active(): ModelSession | undefined {
    return this._active;
  }

  get all(): ModelSession[] {
    return [...this.sessions.values()].map((e) => e.session);
  }

  find(uri: vscode.Uri): ModelSession | undefined {
    return this.sessions.get(uri.toString())?.session;
  }

  /** Returns the session for `uri` (creating and profiling it when new); release it with the disposable. */
  acquire(uri: vscode.Uri): { session: ModelSession; release: vscode.Disposable } {
    const key = uri.toString();
    let e = this.sessions.get(key);
    if (!e) {
      const session = new ModelSession(uri, path.join(this.extensionPath, 'dist', 'profileWorker.js'), this.store);
      const sub = session.onDidChange((s) => {
        this.anyChanged.fire(s);
        if (s === this._active) this.activeChanged.fire(s);
      });
      e = { session, refs: 0, sub };
      this.sessions.set(key, e);
      void session.profile();
    }
    e.refs++;
    const entry = e;
    let released = false;
    return {
      session: entry.session,
      release: new vscode.Disposable(() => {
        if (released) return;
        released = true;
        if (--entry.refs > 0) return;
        this.sessions.delete(key);
        entry.sub.dispose();
        if (this._active === entry.session) this.setActive(undefined);
        entry.session.dispose();
        this.closed.fire(uri);
      }),
    };
  }

  setActive(session: ModelSession | undefined): void {
    if (this._active === session) return;
    this._active = session;
    this.activeChanged.fire(session);
  }

  dispose(): void {
    for (const e of this.sessions.values()) {
      e.sub.dispose();
      e.session.dispose();
    }
    this.sessions.clear();
    this.activeChanged.dispose();
    this.anyChanged.dispose();
    this.closed.dispose();
  }
}

/**
 * One open model: its profiling worker, bindings, compared targets and latest results. Editors, the graph
 * text view, diagnostics and the status bar all read the same session, so a model is profiled once.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { ProfileReport } from '../core/report/reportTypes';
import { LLM_DEFAULT_OUTPUT_TOKENS, LLM_DEFAULT_PROMPT_TOKENS, type EstimatesPayload } from '../protocol/messages';
import type { GraphText } from './graphText';
import type { Hint } from '../core/hints/hintTypes';
import { resolveTargets } from './hardwareCatalog';
import { readSettings } from './settings';
import type { EstimateRequest, WorkerJob, WorkerResult } from './workerProtocol';

export type SessionState =
  | { readonly kind: 'loading'; readonly message: string }
  | { readonly kind: 'ready'; readonly report: ProfileReport; readonly estimates?: EstimatesPayload; readonly hints?: readonly Hint[]; readonly graphText?: GraphText; readonly millis: number }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/**
 * Files the worker can read by path: `file:` URIs, and in a remote window (code-server, SSH, WSL; the
 * extension host runs next to the files) `vscode-remote:` URIs of this remote.
 */
export function isLocalToExtensionHost(uri: vscode.Uri): boolean {
  return uri.scheme === 'file' || (uri.scheme === 'vscode-remote' && vscode.env.remoteName !== undefined);
}

const BATCH_DIM = /^(batch|batch_size|batchsize|n|b|bs|batch_dim)$/i;

export class ModelSession implements vscode.Disposable {
  private worker: Worker | undefined;
  private pending: { id: number; resolve(r: WorkerResult): void } | undefined;
  private nextId = 1;
  private readonly changed = new vscode.EventEmitter<ModelSession>();
  readonly onDidChange = this.changed.event;
  private _state: SessionState = { kind: 'loading', message: 'Profiling…' };
  bindings: Record<string, number>;
  targets: string[];
  batch: number;
  /** Precision override for estimates, from the side panel. */
  precision: string | undefined;
  /** Prompt and generated tokens of the LLM estimate (decoders with a KV cache), from the side panel. */
  promptTokens = LLM_DEFAULT_PROMPT_TOKENS;
  outputTokens = LLM_DEFAULT_OUTPUT_TOKENS;
  private generation = 0;
  private disposed = false;

  constructor(readonly uri: vscode.Uri, private readonly workerPath: string) {
    const s = readSettings(uri);
    this.bindings = { ...s.bindings };
    this.targets = [...s.targets];
    this.batch = s.batch;
  }

  get state(): SessionState {
    return this._state;
  }

  get report(): ProfileReport | undefined {
    return this._state.kind === 'ready' ? this._state.report : undefined;
  }

  private setState(s: SessionState): void {
    this._state = s;
    if (!this.disposed) this.changed.fire(this);
  }

  private estimateRequest(): EstimateRequest {
    const s = readSettings(this.uri);
    const { entries, available, unknown } = resolveTargets(this.targets, s.customHardware);
    return {
      targets: entries,
      available,
      unknownTargets: unknown,
      batch: this.batch,
      efficiency: s.efficiencyOverrides,
      execution: s.execution,
      ...(this.precision ? { precision: this.precision } : {}),
      llm: { promptTokens: this.promptTokens, outputTokens: this.outputTokens },
    };
  }

  /** Batch-like symbolic dims seen in this model (`batch`, `batch_size`, `N`): bound to the chosen batch. */
  private readonly batchDims = new Set<string>();
  private profiledBatch = 1;

  /** Bindings sent to the core: the user's, plus batch-like dims bound to the chosen batch when unbound. */
  private effectiveBindings(): Record<string, number> {
    const b = { ...this.bindings };
    for (const d of this.batchDims) if (b[d] === undefined && this.batch > 1) b[d] = this.batch;
    return b;
  }

  /** (Re)profiles the model; a profile already running is cancelled (its worker is terminated). */
  async profile(): Promise<void> {
    if (!isLocalToExtensionHost(this.uri)) {
      this.setState({ kind: 'error', code: 'io-error', message: `cannot profile '${this.uri.toString()}': only files on disk can be profiled` });
      return;
    }
    const gen = ++this.generation;
    this.setState({ kind: 'loading', message: Object.keys(this.bindings).length ? 'Profiling with the new bindings…' : 'Profiling…' });
    const result = await this.withCancellableProgress(
      this.send({
        id: this.nextId++,
        type: 'profile',
        path: this.uri.fsPath,
        bindings: this.effectiveBindings(),
        estimate: this.estimateRequest(),
        graphText: true,
      }),
    );
    if (gen !== this.generation || this.disposed || !result) return;
    if (result.ok && result.report) {
      this.profiledBatch = this.batch;
      const fresh = result.report.unboundSymbols.filter((d) => BATCH_DIM.test(d) && !this.batchDims.has(d));
      fresh.forEach((d) => this.batchDims.add(d));
      if (fresh.length > 0 && this.batch > 1 && fresh.some((d) => this.bindings[d] === undefined)) return this.profile();
      this.setState({ kind: 'ready', report: result.report, estimates: result.estimates, hints: result.hints, graphText: result.graphText, millis: result.millis });
    } else if (!result.ok) {
      this.setState({ kind: 'error', code: result.code, message: result.message });
    }
  }

  /**
   * Applies a compare request from a view. Returns false when nothing changed (the caller re-sends the
   * current state instead of recomputing: views may echo their settings back).
   */
  setCompare(targets: readonly string[], batch: number, precision: string | undefined, llm: { promptTokens?: number; outputTokens?: number } = {}): boolean {
    const promptTokens = llm.promptTokens ?? this.promptTokens;
    const outputTokens = llm.outputTokens ?? this.outputTokens;
    const same =
      targets.length === this.targets.length &&
      targets.every((t, i) => t === this.targets[i]) &&
      batch === this.batch &&
      precision === this.precision &&
      promptTokens === this.promptTokens &&
      outputTokens === this.outputTokens;
    if (same && this._state.kind === 'ready' && this._state.estimates) return false;
    this.targets = [...targets];
    this.batch = batch;
    this.precision = precision;
    this.promptTokens = promptTokens;
    this.outputTokens = outputTokens;
    return true;
  }

  /** Recomputes estimates only (targets changed); reprofiles when the batch dim must change. */
  async reestimate(): Promise<void> {
    const report = this.report;
    if (!report) return this.profile();
    if (this.batch !== this.profiledBatch && [...this.batchDims].some((d) => this.bindings[d] === undefined)) return this.profile();
    const gen = ++this.generation;
    const result = await this.send({ id: this.nextId++, type: 'estimate', report, estimate: this.estimateRequest(), path: this.uri.fsPath, bindings: this.effectiveBindings() });
    if (gen !== this.generation || this.disposed || !result) return;
    const s = this._state;
    if (result.ok && s.kind === 'ready') this.setState({ ...s, estimates: result.estimates, hints: result.hints });
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
    w.on('message', (r: WorkerResult) => {
      const p = this.pending;
      if (p && p.id === r.id) {
        this.pending = undefined;
        p.resolve(r);
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

  private send(job: WorkerJob): Promise<WorkerResult | undefined> {
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

  constructor(private readonly extensionPath: string) {}

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
      const session = new ModelSession(uri, path.join(this.extensionPath, 'dist', 'profileWorker.js'));
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

/**
 * What every webview of a model (the profile editor, the Hardware side panel, the wide comparison) is sent,
 * and what their messages do: one handler, so the three stay in step.
 */
import type { AnalysisReport } from '../core/pipeline/analysisTypes';
import type { ProfileReport } from '../core/report/reportTypes';
import { catalogEntrySummary, parseFromWebview, type FromWebviewMessage, type ToWebviewMessage } from '../protocol/messages';
import type { ExportFormat } from './exporters';
import type { ModelSession, SessionManager } from './modelSession';
import { settingsCatalog } from './hardwareCatalog';
import { readSettings } from './settings';

/** What the host side offers the webviews (implemented in extension.ts). */
export interface ViewActions {
  revealInGraphText(session: ModelSession, nodeIndex: number): Promise<void>;
  openGraphText(session: ModelSession, nodeIndex?: number): Promise<void>;
  exportReport(session: ModelSession, format: ExportFormat): Promise<void>;
  openCompare(): Promise<void>;
  /** Asks the user for a saved report or a model to compare `session` with. */
  chooseBaseline(session: ModelSession): Promise<void>;
  log(message: string): void;
}

/** The profile part of an analysed report: estimates and hints travel in their own, typed fields. */
function profileOf(report: AnalysisReport): ProfileReport {
  const { estimates: _e, hints: _h, whatIf: _w, llm: _l, sweep: _s, calibration: _c, baseline: _b, layerTimes: _t, ...profile } = report;
  return profile;
}

export function sessionMessage(session: ModelSession): ToWebviewMessage {
  const s = session.state;
  if (s.kind === 'loading') return { type: 'report/progress', message: s.message };
  if (s.kind === 'error') return { type: 'report/error', message: s.message };
  const settings = readSettings(session.uri);
  return {
    type: 'report/show',
    report: profileOf(s.report),
    ...(s.estimates ? { estimates: s.estimates } : {}),
    ...(s.hints ? { hints: s.hints } : {}),
    settings: {
      computeUnit: settings.computeUnit,
      memoryUnit: settings.memoryUnit,
      targets: session.targets,
      batch: session.batch,
      ...(session.chips ? { chips: session.chips } : {}),
      ...(session.precision ? { precision: session.precision } : {}),
      ...(session.kvCache ? { kvCache: session.kvCache } : {}),
      promptTokens: session.promptTokens,
      outputTokens: session.outputTokens,
      whatIf: session.whatIf,
      moeSkew: session.moeSkew,
    },
    catalog: settingsCatalog(settings.customHardware).available.map(catalogEntrySummary),
    ...(s.report.baseline ? { baseline: s.report.baseline } : {}),
  };
}

/** Carries out a (validated) message of a view of `session`. */
export async function handleViewMessage(session: ModelSession, m: FromWebviewMessage, post: (m: ToWebviewMessage) => void, actions: ViewActions): Promise<void> {
  switch (m.type) {
    case 'view/ready':
      post(sessionMessage(session));
      return;
    case 'dims/bind':
      session.bindDims(m.bindings);
      await session.profile();
      return;
    case 'node/select':
      await actions.revealInGraphText(session, m.nodeIndex);
      return;
    case 'hardware/compare':
      if (session.setCompare(m)) await session.reestimate();
      else post(sessionMessage(session));
      return;
    case 'report/export':
      await actions.exportReport(session, m.format);
      return;
    case 'graph/open':
      await actions.openGraphText(session, m.nodeIndex);
      return;
    case 'compare/open':
      await actions.openCompare();
      return;
    case 'baseline/choose':
      await actions.chooseBaseline(session);
      return;
    case 'baseline/clear':
      if (session.setBaseline(undefined)) await session.reestimate();
      else post(sessionMessage(session));
      return;
  }
}

/** A view that shows whichever model is active (the Hardware side panel, the wide comparison). */
export interface ActiveModelView {
  /** Its name in the log's "dropped a message from …". */
  readonly name: string;
  /** What it shows while no model is open. */
  readonly noModel: string;
  readonly sessions: SessionManager;
  readonly actions: ViewActions;
  post(m: ToWebviewMessage): void;
}

/** What such a view shows now: the active model, or how to open one. */
export function activeModelMessage(view: ActiveModelView): ToWebviewMessage {
  const session = view.sessions.active;
  return session ? sessionMessage(session) : { type: 'report/progress', message: view.noModel };
}

/**
 * Validates a raw message of such a view and carries it out on the active model. Opening the wide comparison
 * needs no model; everything else does.
 */
export async function receiveActiveModelMessage(view: ActiveModelView, raw: unknown): Promise<void> {
  const parsed = parseFromWebview(raw);
  if (!parsed.ok) {
    view.actions.log(`dropped a message from the ${view.name}: ${parsed.reason}`);
    return;
  }
  const m = parsed.message;
  const session = view.sessions.active;
  if (m.type === 'view/ready') view.post(activeModelMessage(view));
  else if (m.type === 'compare/open') await view.actions.openCompare();
  else if (!session) view.post({ type: 'report/progress', message: view.noModel });
  else await handleViewMessage(session, m, (x) => view.post(x), view.actions);
}

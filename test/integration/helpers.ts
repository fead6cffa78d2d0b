/** Shared helpers for the integration suite (run in the extension host). */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisReport } from '../../src/core/pipeline/analysisTypes';
import type { ProfilerApi } from '../../src/extension/extension';

export const EXTENSION_ID = 'onnx-hardware-profiler.onnx-hardware-profiler';
/** Repo root: this file is bundled into out/test/integration/. */
export const ROOT = path.resolve(__dirname, '../../..');
export const MODEL = process.env.ONNX_PROFILER_TEST_MODEL ??
  path.resolve(ROOT, '../shared/models/gh/onnxruntime__onnxruntime-qnn/onnxruntime/test/testdata/bert_toy_optimized.onnx');

export async function api(): Promise<ProfilerApi> {
  const ext = vscode.extensions.getExtension<ProfilerApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** A path on the extension host's machine as a URI of the open window (vscode-remote:// under code-server). */
export function hostUri(fsPath: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? folder.uri.with({ path: fsPath }) : vscode.Uri.file(fsPath);
}

export function workspaceFile(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** Runs the CLI (bin/onnx-profile.js) with the extension host's own Node. */
export function cli(args: string[]): { stdout: string; stderr: string; status: number } {
  try {
    const stdout = execFileSync(process.execPath, [path.join(ROOT, 'bin/onnx-profile.js'), ...args], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { stdout, stderr: '', status: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; status?: number };
    return { stdout: err.stdout ?? '', stderr: err.stderr ?? '', status: err.status ?? 1 };
  }
}

/** The workspace's compared targets (the runner's .vscode/settings.json) as CLI options, with the panel's default batch. */
export const SESSION_OPTIONS = ['--target', 'h100-sxm', '--target', 'l4', '--batch', '1'];

/** `onnx-profile MODEL --format json` with the bindings and extra options. */
export function cliReport(model: string, bindings: Record<string, number> = {}, extra: readonly string[] = []): AnalysisReport {
  const args = [model, '--format', 'json', ...Object.entries(bindings).flatMap(([k, v]) => ['--bind', `${k}=${v}`]), ...extra];
  const r = cli(args);
  if (r.status !== 0) throw new Error(`CLI failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as AnalysisReport;
}

/** A value as it reads after a JSON round trip (Infinity → null), to compare with the CLI's JSON. */
export function asJson<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && (v as unknown) !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function customTabFor(uri: vscode.Uri, viewType?: string): vscode.Tab | undefined {
  for (const g of vscode.window.tabGroups.all) {
    for (const t of g.tabs) {
      if (t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString() && (!viewType || t.input.viewType === viewType)) return t;
    }
  }
  return undefined;
}

export async function closeAll(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

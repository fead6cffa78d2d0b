/**
 * Worker side of IsolatedProfiler: profiles one model per message (a file path, or bytes standing in
 * for a file at a path) and answers with a summary. Runs in a worker thread so the parent can time it
 * out and bound its memory.
 */
import { parentPort } from 'node:worker_threads';
import { inMemoryByteSource } from '../../src/core/io/byteSource';
import { OnnxLoadError } from '../../src/core/onnx/errors';
import { LoadedModel } from '../../src/core/profile';
import { nodeFileSystem } from '../../src/node/nodeFileSystem';
import { openModelFile } from '../../src/node/profileFile';
import type { WorkerRequest, WorkerResponse } from './isolatedProfiler';

function profile(request: WorkerRequest): WorkerResponse {
  const started = performance.now();
  try {
    let report;
    if (request.bytes) {
      const model = LoadedModel.load({ path: request.path, source: inMemoryByteSource(request.bytes), fileSystem: nodeFileSystem });
      report = model.profile({ bindings: new Map(Object.entries(request.bindings ?? {})) });
    } else {
      const opened = openModelFile(request.path);
      try {
        report = opened.model.profile({ bindings: new Map(Object.entries(request.bindings ?? {})) });
      } finally {
        opened.close();
      }
    }
    JSON.stringify(report); // the report must serialise (no bigint, no cycles)
    return {
      kind: 'report',
      seconds: (performance.now() - started) / 1000,
      nodes: report.coverage.nodes,
      coveragePercent: report.coverage.percent,
      uncovered: report.coverage.uncoveredOpTypes.map((u) => ({ opType: `${u.domain ? `${u.domain}.` : ''}${u.opType}`, count: u.count })),
      warnings: report.diagnostics.filter((d) => d.severity !== 'info').length,
    };
  } catch (e) {
    const seconds = (performance.now() - started) / 1000;
    if (e instanceof OnnxLoadError) return { kind: 'error', seconds, code: e.code, message: e.message };
    return { kind: 'crash', seconds, message: (e as Error).stack ?? String(e) };
  }
}

parentPort?.on('message', (request: WorkerRequest) => parentPort!.postMessage(profile(request)));

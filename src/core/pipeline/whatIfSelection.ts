/**
 * What-if by hint: how hints are named (`id`), how a request picks them, and the report each target is
 * estimated on once the picked hints' changes are applied. A change is applied on exactly the targets whose
 * saving it was priced on (not on those that cannot run it), so a single applied hint moves each target's
 * latency by exactly the saving the hint states.
 */
import { groupBy } from '../collections';
import { applyWhatIf } from '../hints/whatIf';
import type { Hint, WhatIfChange } from '../hints/hintTypes';
import type { HardwareEntry } from '../hardware/hardwareTypes';
import type { ProfileReport } from '../report/reportTypes';
import type { AnalysisHint, AppliedWhatIf, WhatIfAnalysis } from './analysisTypes';

/**
 * Ids for hints: the code, or `code@N` (N: the hint's first main-graph node) when a code occurs more than once,
 * with `.k` after N for hints of one code that start at the same node. Anchored to a node, not numbered in
 * order, so that a saved what-if keeps naming the same hint when another hint of its code comes or goes.
 */
export function identifyHints(hints: readonly Hint[]): AnalysisHint[] {
  const ids = new Map<Hint, string>();
  for (const [code, list] of groupBy(hints, (h) => h.code)) {
    if (list.length === 1) {
      ids.set(list[0], code);
      continue;
    }
    for (const [anchor, same] of groupBy(list, anchorOf)) {
      if (same.length === 1) ids.set(same[0], `${code}@${anchor}`);
      else same.sort((a, b) => a.message.localeCompare(b.message)).forEach((h, k) => ids.set(h, `${code}@${anchor}.${k + 1}`));
    }
  }
  return hints.map((h) => ({ ...h, id: ids.get(h)! }));
}

/** The index of the hint's first main-graph node, or `model` for a hint about no node. */
function anchorOf(h: Hint): string {
  return h.nodes.length ? String(Math.min(...h.nodes)) : 'model';
}

export interface WhatIfSelection {
  readonly chosen: readonly AnalysisHint[];
  readonly unknown: readonly string[];
  readonly ambiguous: readonly string[];
  readonly available: readonly string[];
}

/** The hints `requested` names: by id, or by code when one hint has it. Only hints with a change qualify. */
export function selectHints(requested: readonly string[], hints: readonly AnalysisHint[]): WhatIfSelection {
  const applicable = hints.filter((h) => h.change !== undefined);
  const chosen: AnalysisHint[] = [];
  const unknown: string[] = [];
  const ambiguous: string[] = [];
  for (const raw of requested) {
    const want = raw.trim();
    const byId = applicable.find((h) => h.id === want);
    const byCode = applicable.filter((h) => h.code === want);
    const hit = byId ?? (byCode.length === 1 ? byCode[0] : undefined);
    if (hit) {
      if (!chosen.includes(hit)) chosen.push(hit);
    } else if (byCode.length > 1) ambiguous.push(want);
    else unknown.push(want);
  }
  return { chosen, unknown, ambiguous, available: applicable.map((h) => h.id) };
}

/** Whether `hint`'s change runs on `target` (its saving there is not marked not applicable). */
function appliesOn(hint: Hint, target: HardwareEntry): boolean {
  return hint.savings.find((s) => s.target === target.id)?.notApplicable !== true;
}

function changeOf(hints: readonly Hint[]): WhatIfChange {
  return hints.length === 1 ? hints[0].change! : { kind: 'combined', changes: hints.map((h) => h.change!) };
}

/**
 * The report as each target sees it after the chosen what-ifs: the baseline where none applies, else the
 * baseline with the changes that apply there (built once per distinct set). `all` has every chosen change:
 * the report the views show.
 */
export class WhatIfReports {
  private readonly bySet = new Map<string, ProfileReport>();

  constructor(
    readonly baseline: ProfileReport,
    readonly chosen: readonly AnalysisHint[],
  ) {}

  forTarget(target: HardwareEntry): ProfileReport {
    return this.withHints(this.chosen.filter((h) => appliesOn(h, target)));
  }

  get all(): ProfileReport {
    return this.withHints(this.chosen);
  }

  private withHints(hints: readonly AnalysisHint[]): ProfileReport {
    if (hints.length === 0) return this.baseline;
    const key = hints.map((h) => h.id).join('\u0000');
    let report = this.bySet.get(key);
    if (!report) this.bySet.set(key, (report = applyWhatIf(this.baseline, changeOf(hints))));
    return report;
  }

  applied(targets: readonly HardwareEntry[]): AppliedWhatIf[] {
    return this.chosen.map((h) => ({ id: h.id, code: h.code, message: h.message, targets: targets.filter((t) => appliesOn(h, t)).map((t) => t.id) }));
  }
}

/** The what-if part of an analysis. */
export function whatIfAnalysis(selection: WhatIfSelection, applied: readonly AppliedWhatIf[]): WhatIfAnalysis {
  return { applied, unknown: selection.unknown, ambiguous: selection.ambiguous, available: selection.available };
}

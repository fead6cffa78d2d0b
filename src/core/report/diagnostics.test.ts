import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupDiagnostics } from './diagnostics';
import type { ReportDiagnostic } from './reportTypes';

const d = (code: string, i: number, severity: ReportDiagnostic['severity'] = 'warning'): ReportDiagnostic => ({ severity, code, message: `${code} ${i}` });

test('each code keeps its first diagnostics and folds the rest into one line with the count', () => {
  const input = [d('a', 1), ...Array.from({ length: 500 }, (_, i) => d('b', i, 'info')), d('a', 2), d('c', 1), d('a', 3), d('a', 4, 'error')];
  const out = groupDiagnostics(input, 3);
  assert.deepEqual(out.map((x) => x.message.split(' (')[0]), ['a 1', 'a 2', 'a 3', "1 more 'a' diagnostic like the above", 'b 0', 'b 1', 'b 2', "497 more 'b' diagnostics like the above", 'c 1']);
  assert.equal(out[3].severity, 'error', 'a folded line has the worst severity it folds');
  assert.equal(out[7].severity, 'info');
  assert.equal(out.length, 9);
});

test('nothing repeated: unchanged', () => {
  const input = [d('a', 1), d('b', 1), d('c', 1)];
  assert.deepEqual(groupDiagnostics(input), input);
});

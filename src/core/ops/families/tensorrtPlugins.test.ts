import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ShapeError, UnknownShapeError } from '../opHandler';
import { type NodeSpec, runNode } from './testUtil';

const f32 = (shape: (number | string)[]) => ({ dtype: 'float', shape });
const f16 = (shape: (number | string)[]) => ({ dtype: 'float16', shape });

interface Case {
  readonly name: string;
  readonly spec: NodeSpec;
  /** [num_detections, boxes, scores, classes] as `dtype shape`. */
  readonly outputs: readonly string[];
  readonly flops: number | string;
}

const describe = (o: { dtype: string; shape: (number | string)[] | undefined }) => `${o.dtype} [${o.shape?.join(', ')}]`;

const cases: Case[] = [
  {
    // A YOLOv8 end2end export: 8,400 boxes × 80 classes per image, 100 kept, raw scores.
    // 672,000 threshold tests; the 4,096 best sorted (4,096 · 12), each checked against ≤ 100 kept boxes
    // (4,096 · 100 · 12 = 4,915,200); a sigmoid on each of the 100 output scores (1,000).
    name: 'EfficientNMS_TRT, YOLO-sized, score_activation',
    spec: { opType: 'EfficientNMS_TRT', inputs: [f32([1, 8400, 4]), f32([1, 8400, 80])], attrs: { max_output_boxes: 100, score_activation: 1, score_threshold: 0.25, iou_threshold: 0.45 } },
    outputs: ['int32 [1, 1]', 'float [1, 100, 4]', 'float [1, 100]', 'int32 [1, 100]'],
    flops: 672000 + 4096 * 12 + 4096 * 100 * 12 + 100 * 10,
  },
  {
    // Fused box decoder (anchors given), fewer candidates than the cap: k = 300, ⌈log2 300⌉ = 9; no sigmoid.
    name: 'EfficientNMS_TRT with anchors, two images',
    spec: { opType: 'EfficientNMS_TRT', inputs: [f16([2, 100, 4]), f16([2, 100, 3]), f16([1, 100, 4])], attrs: { max_output_boxes: 10 } },
    outputs: ['int32 [2, 1]', 'float16 [2, 10, 4]', 'float16 [2, 10]', 'int32 [2, 10]'],
    flops: 2 * (300 + 300 * 9 + 300 * 10 * 12 + 300 * 10),
  },
  {
    // torch.onnx's TRT:: domain, a symbolic batch: 2,016,000 threshold tests + the capped sort and NMS per image.
    name: 'EfficientNMS_TRT in the TRT domain, symbolic batch, default max_output_boxes',
    spec: { opType: 'EfficientNMS_TRT', domain: 'TRT', inputs: [f32(['N', 25200, 4]), f32(['N', 25200, 80])] },
    outputs: ['int32 [N, 1]', 'float [N, 100, 4]', 'float [N, 100]', 'int32 [N, 100]'],
    flops: `${2016000 + 4096 * 12 + 4096 * 100 * 12} * N`,
  },
  {
    // Per class: 100 boxes sorted (100 · 7) and the 20 best pairwise (190 IoUs · 12); then 3 · 20 survivors
    // sorted (60 · 6); 300 threshold tests. nmsed_classes is float32 in this plugin.
    name: 'BatchedNMS_TRT, shared boxes',
    spec: { opType: 'BatchedNMS_TRT', inputs: [f32([1, 100, 1, 4]), f32([1, 100, 3])], attrs: { topK: 20, keepTopK: 10, numClasses: 3, shareLocation: 1 } },
    outputs: ['int32 [1, 1]', 'float [1, 10, 4]', 'float [1, 10]', 'float [1, 10]'],
    flops: 300 + 3 * 700 + 3 * 190 * 12 + 360,
  },
  {
    // ONNX Runtime's TensorRT EP domain; topK above the box count keeps every box: 4 boxes, 6 pairs.
    name: 'BatchedNMSDynamic_TRT in trt.plugins, topK above the box count',
    spec: { opType: 'BatchedNMSDynamic_TRT', domain: 'trt.plugins', inputs: [f32([1, 4, 2, 4]), f32([1, 4, 2])], attrs: { topK: 50, keepTopK: 5 } },
    outputs: ['int32 [1, 1]', 'float [1, 5, 4]', 'float [1, 5]', 'float [1, 5]'],
    flops: 8 + 2 * 8 + 2 * 6 * 12 + 24,
  },
];

for (const c of cases) {
  test(c.name, () => {
    const r = runNode(c.spec);
    assert.deepEqual(r.outputs.map(describe), c.outputs);
    assert.equal(r.cost.flops, c.flops);
    assert.ok(r.cost.notes.some((n) => /worst case/.test(n)), 'a data-dependent count says it is a worst case');
  });
}

const errors: { name: string; spec: NodeSpec; error: typeof ShapeError | typeof UnknownShapeError; message: RegExp }[] = [
  { name: 'scores not rank 3', spec: { opType: 'EfficientNMS_TRT', inputs: [f32([1, 10, 4]), f32([1, 10])] }, error: ShapeError, message: /scores must be/ },
  { name: 'boxes without 4 coordinates', spec: { opType: 'EfficientNMS_TRT', inputs: [f32([1, 10, 5]), f32([1, 10, 2])] }, error: ShapeError, message: /4 coordinates, not 5/ },
  { name: 'BatchedNMS without keepTopK', spec: { opType: 'BatchedNMS_TRT', inputs: [f32([1, 10, 1, 4]), f32([1, 10, 2])], attrs: { topK: 5 } }, error: ShapeError, message: /'keepTopK'/ },
  {
    name: 'BatchedNMS over a symbolic box count: cost unknown, not 0',
    spec: { opType: 'BatchedNMS_TRT', inputs: [f32([1, 'boxes', 1, 4]), f32([1, 'boxes', 2])], attrs: { topK: 5, keepTopK: 5 } },
    error: UnknownShapeError,
    message: /must be known/,
  },
];

for (const e of errors) {
  test(`rejects: ${e.name}`, () => {
    assert.throws(() => runNode(e.spec), (err: unknown) => err instanceof e.error && e.message.test((err as Error).message));
  });
}

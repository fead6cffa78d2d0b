/**
 * TensorRT plugin nodes that detection exports write into their ONNX graphs for TensorRT's parser to map onto
 * its plugins: EfficientNMS_TRT (YOLO "end2end" exports, EfficientDet, MLPerf's RetinaNet engine option) and
 * BatchedNMS_TRT / BatchedNMSDynamic_TRT (SSD, older YOLO exports). The parser finds a plugin by op type
 * whatever the domain, so each rule is registered in the default domain, in `TRT` (torch.onnx's
 * `g.op("TRT::EfficientNMS_TRT")`) and in `trt.plugins` (ONNX Runtime's TensorRT execution provider).
 * Inputs, outputs and attributes follow the plugins' READMEs in NVIDIA/TensorRT (plugin/efficientNMSPlugin,
 * plugin/batchedNMSPlugin).
 *
 * Cost convention (docs/cost-conventions.md). Which boxes survive depends on the data, so each count is the
 * worst case the plugin's algorithm allows:
 *  - EfficientNMS_TRT: one comparison per score (the threshold filter), a sort of the candidates that reach the
 *    NMS kernel (at most 4096 per image, the plugin's cap) at k·⌈log2 k⌉ comparisons, each candidate checked
 *    against up to `max_output_boxes` kept boxes at 12 FLOPs per IoU (as NonMaxSuppression), 10 FLOPs to decode
 *    each candidate when anchors are given (the fused box decoder), and a sigmoid (10) per output score when
 *    `score_activation` is set. It reads every score and box and writes its four outputs.
 *  - BatchedNMS_TRT / BatchedNMSDynamic_TRT: one comparison per score, a per-class sort of every box
 *    (N·⌈log2 N⌉ per class), per class every pair of its `topK` best compared (12 FLOPs per IoU), then a sort
 *    of the classes × topK survivors per image.
 */
import { DataType } from '../../onnx/dataType';
import { Expr } from '../../shapes/expr';
import { requireShape } from '../../shapes/shapeOps';
import type { Shape } from '../../shapes/tensorInfo';
import { type NodeContext, type OpHandler, ShapeError, UnknownShapeError } from '../opHandler';
import { ceilLog2 } from './misc';

/** The domains a TensorRT plugin node is written in. */
const PLUGIN_DOMAINS = ['', 'TRT', 'trt.plugins'] as const;
/** Candidates EfficientNMS passes from its sort to its NMS kernel, per image (plugin README, "Algorithm"). */
const EFFICIENT_NMS_MAX_CANDIDATES = 4096;
/** FLOPs of one box overlap (IoU) test: two intersections, two areas, a division, a comparison. */
const IOU_FLOPS = 12;
/** FLOPs to decode one centre-size box against its anchor (two exponentials and four multiply-adds). */
const BOX_DECODE_FLOPS = 10;
const SIGMOID_FLOPS = 10;

/** n·⌈log2 n⌉ comparisons: a comparison sort of n known keys. */
function sortComparisons(n: bigint): bigint {
  return n <= 1n ? 0n : n * BigInt(ceilLog2(n));
}

/** scores [batch, boxes, classes], checked against boxes [batch, boxes, (classes,) 4]. */
function detectionInputs(ctx: NodeContext): { scores: Shape; batch: Expr; boxes: Expr; classes: Expr } {
  const boxes = requireShape(ctx.inputs[0], 'boxes');
  const scores = requireShape(ctx.inputs[1], 'scores');
  if (scores.length !== 3) throw new ShapeError('scores must be [batch_size, number_boxes, number_classes]');
  if (boxes.length !== 3 && boxes.length !== 4) throw new ShapeError('boxes must be [batch_size, number_boxes, 4] or [batch_size, number_boxes, number_classes, 4]');
  const last = boxes[boxes.length - 1].constantValue;
  if (last !== undefined && last !== 4n) throw new ShapeError(`boxes' last dimension must be 4 coordinates, not ${last}`);
  return { scores, batch: scores[0], boxes: scores[1], classes: scores[2] };
}

/** A positive integer attribute, or a ShapeError naming it. */
function positiveInt(ctx: NodeContext, name: string, fallback?: number): number {
  const v = ctx.attrs.int(name, fallback ?? -1);
  if (!(v > 0)) throw new ShapeError(`attribute '${name}' must be a positive integer${fallback === undefined ? ' (it has no default)' : ''}`);
  return v;
}

/** The four detection outputs: a count per image, then boxes, scores and classes of `keep` rows. */
function detectionOutputs(ctx: NodeContext, batch: Expr, keep: number, classDtype: DataType) {
  const k = Expr.constant(keep);
  const floatOf = (i: number) => ctx.inputs[i]?.dtype ?? DataType.FLOAT;
  return [
    { dtype: DataType.INT32, shape: [batch, Expr.constant(1)] },
    { dtype: floatOf(0), shape: [batch, k, Expr.constant(4)] },
    { dtype: floatOf(1), shape: [batch, k] },
    { dtype: classDtype, shape: [batch, k] },
  ];
}

function efficientNms(domain: string): OpHandler {
  return {
    opType: 'EfficientNMS_TRT',
    domain,
    sinceVersion: 1,
    infer: (ctx) => {
      const { batch } = detectionInputs(ctx);
      // detection_classes is int32; detection_boxes and detection_scores take the boxes' and scores' types.
      return detectionOutputs(ctx, batch, positiveInt(ctx, 'max_output_boxes', 100), DataType.INT32);
    },
    cost: (ctx) => {
      const { batch, boxes, classes } = detectionInputs(ctx);
      const keep = BigInt(positiveInt(ctx, 'max_output_boxes', 100));
      const perImage = boxes.mul(classes);
      const n = perImage.constantValue;
      const notes = ['worst case: the NMS kernel takes the 4096 best candidates; which survive depends on the data'];
      // The sort and the NMS see at most 4096 candidates; with a symbolic box count that cap is the count.
      const k = n === undefined ? BigInt(EFFICIENT_NMS_MAX_CANDIDATES) : n < BigInt(EFFICIENT_NMS_MAX_CANDIDATES) ? n : BigInt(EFFICIENT_NMS_MAX_CANDIDATES);
      const decode = ctx.inputs[2] ? BigInt(BOX_DECODE_FLOPS) * k : 0n;
      const sigmoid = ctx.attrs.int('score_activation', 0) !== 0 ? BigInt(SIGMOID_FLOPS) * keep : 0n;
      const fixed = sortComparisons(k) + k * keep * BigInt(IOU_FLOPS) + decode + sigmoid;
      return { flops: batch.mul(perImage.add(Expr.constant(fixed))), notes };
    },
  };
}

function batchedNms(opType: string, domain: string): OpHandler {
  return {
    opType,
    domain,
    sinceVersion: 1,
    infer: (ctx) => {
      const { batch } = detectionInputs(ctx);
      // nmsed_classes is float32 in this plugin (its README), unlike EfficientNMS's int32.
      return detectionOutputs(ctx, batch, positiveInt(ctx, 'keepTopK'), DataType.FLOAT);
    },
    cost: (ctx) => {
      const { batch, boxes, classes } = detectionInputs(ctx);
      const topK = BigInt(positiveInt(ctx, 'topK'));
      const n = boxes.constantValue;
      const c = classes.constantValue;
      // The per-class sorts' ⌈log2 N⌉ needs the sizes themselves, not symbols.
      if (n === undefined || c === undefined) throw new UnknownShapeError(`${opType}: number_boxes and number_classes must be known to count its sorts`);
      const perClassTop = n < topK ? n : topK;
      const perImage =
        n * c + // threshold
        c * sortComparisons(n) + // sortScoresPerClass
        c * ((perClassTop * (perClassTop - 1n)) / 2n) * BigInt(IOU_FLOPS) + // allClassNMS
        sortComparisons(c * perClassTop); // sortScoresPerImage
      return { flops: batch.mul(Expr.constant(perImage)), notes: ['worst case: every box above the threshold and no box suppressed early'] };
    },
  };
}

export const tensorrtPluginOps: readonly OpHandler[] = PLUGIN_DOMAINS.flatMap((domain) => [
  efficientNms(domain),
  batchedNms('BatchedNMS_TRT', domain),
  batchedNms('BatchedNMSDynamic_TRT', domain),
]);

/**
 * Why some ops have no cost rule and never will: their work is not in the graph (a vendor's precompiled engine, a
 * remote call) or is host-side string and image processing with no arithmetic to count. The uncovered-op diagnostic
 * says so, so a user knows the gap is the op's nature, not a missing rule. Pure.
 */

const WHY: ReadonlyMap<string, string> = new Map([
  ['com.microsoft::EPContext', "an execution provider's precompiled engine (QNN, TensorRT, OpenVINO, Vitis AI...) embedded in or referenced by the node: its work is inside a vendor binary, not in the graph"],
  ['com.microsoft.extensions::AzureTritonInvoker', 'a call to a remote Triton endpoint: its work runs off the device'],
  ['com.microsoft.extensions::AzureTextToText', 'a call to a remote Azure endpoint: its work runs off the device'],
  ['com.microsoft.extensions::OpenAIAudioToText', 'a call to a remote OpenAI endpoint: its work runs off the device'],
  ['com.microsoft.extensions::DecodeImage', 'an image codec (onnxruntime-extensions) on the host CPU: no tensor arithmetic to count'],
  ['com.microsoft.extensions::EncodeImage', 'an image codec (onnxruntime-extensions) on the host CPU: no tensor arithmetic to count'],
]);

/** onnxruntime-extensions' string ops (tokenizers, regexes, vector/string maps) run on the host CPU. */
const CONTRIB_STRING_OP = /Tokenizer|TokenizerDecoder|^String|ToVector$|^VectorToString$|Regex/;

/** Why `domain::opType` has no cost rule, when that is known to be the op's nature; undefined otherwise. */
export function whyNoCostRule(domain: string, opType: string): string | undefined {
  const known = WHY.get(`${domain}::${opType}`);
  if (known) return known;
  if (domain === 'ai.onnx.contrib' && CONTRIB_STRING_OP.test(opType)) return 'string processing (onnxruntime-extensions) on the host CPU: no tensor arithmetic to count';
  return undefined;
}

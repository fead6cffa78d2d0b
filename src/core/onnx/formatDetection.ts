/**
 * Recognises formats people mistake for ONNX from the first bytes, so the error can name them.
 * Returns a description, or undefined when the bytes may be ONNX.
 */
export function detectOtherFormat(head: Uint8Array, path: string): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 4 && ascii(0, 4) === 'GGUF') return 'a GGUF model (llama.cpp)';
  if (head.length >= 8 && ascii(4, 8) === 'TFL3') return 'a TensorFlow Lite model (FlatBuffer)';
  if (head.length >= 8 && ascii(4, 8) === 'ORTM') return 'an ONNX Runtime ORT-format model (FlatBuffer), not an .onnx protobuf';
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    return /\.(pt|pth|bin|ckpt)$/i.test(path) ? 'a PyTorch checkpoint (zip archive)' : 'a zip archive (a PyTorch checkpoint or similar)';
  }
  if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) return 'a Python pickle (a PyTorch checkpoint or similar)';
  if (head.length >= 6 && head[0] === 0x89 && ascii(1, 4) === 'HDF') return 'an HDF5 file (a Keras model)';
  if (isSafetensors(head)) return 'a safetensors weights file';
  if (head.length >= 1 && (head[0] === 0x7b || head[0] === 0x3c)) return head[0] === 0x7b ? 'a JSON document' : 'an XML or HTML document';
  if (looksLikeGraphDef(head)) return 'a TensorFlow GraphDef (a frozen .pb graph)';
  return undefined;
}

/** GraphDef: field 1 `node` (a NodeDef), whose own first fields are `name` (1) and `op` (2) strings. */
function looksLikeGraphDef(head: Uint8Array): boolean {
  if (head.length < 6 || head[0] !== 0x0a) return false;
  let i = 1;
  while (i < head.length && head[i] & 0x80) i++; // skip the NodeDef's length varint
  i++;
  if (head[i] !== 0x0a) return false;
  const nameLength = head[i + 1];
  const afterName = i + 2 + nameLength;
  return nameLength < 0x80 && afterName < head.length && head[afterName] === 0x12;
}

/** safetensors: an 8-byte little-endian header length, then a JSON header starting with '{'. */
function isSafetensors(head: Uint8Array): boolean {
  if (head.length < 9 || head[8] !== 0x7b) return false;
  const lengthLow = head[0] | (head[1] << 8) | (head[2] << 16) | (head[3] << 24);
  return head[4] === 0 && head[5] === 0 && head[6] === 0 && head[7] === 0 && lengthLow > 1;
}

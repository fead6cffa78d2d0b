// The core uses only ECMAScript plus these two web-standard globals, which Node, browsers and VS Code's
// web worker host all provide. Declared here so that the core compiles with no DOM or Node types.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

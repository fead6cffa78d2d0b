/**
 * Safe DOM builders. Text always goes in through `textContent` / attributes, never as HTML: node names
 * and op types come from untrusted model files. No `style=` attributes (blocked by the webview CSP);
 * layout goes through CSS classes or CSSOM (`el.style.setProperty`), which the CSP allows.
 */
export type Child = Node | string | null | undefined | false;

export interface Attrs {
  readonly [name: string]: string | number | boolean | undefined | null;
}

function applyAttrs(el: Element, attrs: Attrs | undefined): void {
  if (!attrs) return;
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'style') throw new Error('style attributes are blocked by the CSP: use classes or CSSOM');
    if (k.startsWith('on')) throw new Error('inline handlers are blocked by the CSP');
    if (k === 'class') el.setAttribute('class', String(v));
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

function appendChildren(el: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** `h('div', {class: 'card'}, 'text', child)`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  appendChildren(el, children);
  return el;
}

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs?: Attrs, ...children: Child[]): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  appendChildren(el, children);
  return el;
}

/** A `<span class="badge sev-…">`: light-weight badge for table rows (no custom element per row). */
export function rowBadge(text: string, severity: string, title: string): HTMLElement {
  const b = h('span', { class: `row-badge sev-${severity}`, title }, text);
  return b;
}

export function clear(el: Element): void {
  el.replaceChildren();
}

import { h } from './dom';
import { progressRing } from './toolkit';

export interface StatusLine {
  readonly el: HTMLElement;
  /** Shows `message` (null clears the line), led by a progress ring while `busy`. */
  show(message: string | null, busy?: boolean): void;
}

/** The polite `role="status"` line both views keep above their content. */
export function statusLine(): StatusLine {
  const el = h('div', { class: 'status-bar', role: 'status', 'aria-live': 'polite', 'data-testid': 'status' });
  return {
    el,
    show(message, busy = false) {
      el.replaceChildren();
      if (message === null) return;
      if (busy) el.append(progressRing(message));
      el.append(h('span', undefined, message));
    },
  };
}

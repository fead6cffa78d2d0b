/**
 * The ONLY place that touches `@vscode/webview-ui-toolkit` (deprecated upstream). Everything else in the
 * webviews builds controls through these small factory functions, so replacing the toolkit later means
 * rewriting this one folder: keep the returned shapes (`FieldHandle`, `DropdownHandle`, `CheckboxHandle`).
 */
import {
  provideVSCodeDesignSystem,
  vsCodeBadge,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodeProgressRing,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;
function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(),
    vsCodeTextField(),
    vsCodeDropdown(),
    vsCodeOption(),
    vsCodeCheckbox(),
    vsCodeProgressRing(),
    vsCodeBadge(),
  );
}

let idCounter = 0;
const nextId = (prefix: string) => `${prefix}-${++idCounter}`;

export interface ButtonOptions {
  readonly label: string;
  readonly appearance?: 'primary' | 'secondary' | 'icon';
  readonly ariaLabel?: string;
  readonly title?: string;
  readonly testId?: string;
  readonly onClick: () => void;
}

export function button(o: ButtonOptions): HTMLElement {
  ensureRegistered();
  const b = document.createElement('vscode-button');
  b.textContent = o.label;
  if (o.appearance) b.setAttribute('appearance', o.appearance);
  if (o.ariaLabel) b.setAttribute('aria-label', o.ariaLabel);
  if (o.title) b.title = o.title;
  if (o.testId) b.dataset.testid = o.testId;
  b.addEventListener('click', () => {
    if (!b.hasAttribute('disabled')) o.onClick();
  });
  return b;
}

export function setDisabled(el: HTMLElement, disabled: boolean): void {
  el.toggleAttribute('disabled', disabled);
}

export interface TextFieldOptions {
  readonly label: string;
  readonly value?: string;
  readonly placeholder?: string;
  readonly testId?: string;
  readonly numeric?: boolean;
  readonly size?: number;
  readonly onInput?: (value: string) => void;
  /** Enter pressed inside the field. */
  readonly onEnter?: (value: string) => void;
}

export interface FieldHandle {
  readonly el: HTMLElement;
  value: string;
  setInvalid(message: string | null): void;
  /** Greys the field out (another control decides its value). */
  setDisabled(disabled: boolean): void;
  focus(): void;
}

export function textField(o: TextFieldOptions): FieldHandle {
  ensureRegistered();
  const f = document.createElement('vscode-text-field') as HTMLElement & { value: string };
  f.textContent = o.label; // slotted into the toolkit's <label>
  if (o.placeholder) f.setAttribute('placeholder', o.placeholder);
  if (o.size) f.setAttribute('size', String(o.size));
  if (o.numeric) f.setAttribute('inputmode', 'numeric');
  if (o.testId) f.dataset.testid = o.testId;
  f.setAttribute('value', o.value ?? '');
  f.value = o.value ?? '';
  f.addEventListener('input', () => o.onInput?.(f.value));
  f.addEventListener('keydown', (e) => {
    if ((e as KeyboardEvent).key === 'Enter') o.onEnter?.(f.value);
  });
  return {
    el: f,
    get value() {
      return f.value ?? '';
    },
    set value(v: string) {
      f.value = v;
    },
    setInvalid(message) {
      f.classList.toggle('invalid', message !== null);
      if (message) {
        f.setAttribute('aria-invalid', 'true');
        f.title = message;
      } else {
        f.removeAttribute('aria-invalid');
        f.removeAttribute('title');
      }
    },
    setDisabled(disabled) {
      f.toggleAttribute('disabled', disabled);
    },
    focus: () => f.focus(),
  };
}

export interface DropdownOption {
  readonly value: string;
  readonly label: string;
}

export interface DropdownOptions {
  readonly label: string;
  readonly options: readonly DropdownOption[];
  readonly value?: string;
  readonly testId?: string;
  readonly onChange: (value: string) => void;
}

export interface DropdownHandle {
  /** Wrapper holding the visible label and the control. */
  readonly el: HTMLElement;
  readonly control: HTMLElement;
  value: string;
  setOptions(options: readonly DropdownOption[], value?: string): void;
}

export function dropdown(o: DropdownOptions): DropdownHandle {
  ensureRegistered();
  const wrap = document.createElement('div');
  wrap.className = 'field';
  const labelId = nextId('dd-label');
  const label = document.createElement('label');
  label.id = labelId;
  label.className = 'field-label';
  label.textContent = o.label;
  const d = document.createElement('vscode-dropdown') as HTMLElement & { value: string };
  d.setAttribute('aria-labelledby', labelId);
  d.setAttribute('aria-label', o.label);
  if (o.testId) d.dataset.testid = o.testId;
  label.addEventListener('click', () => d.focus());
  wrap.append(label, d);
  const fill = (options: readonly DropdownOption[], value?: string) => {
    d.replaceChildren();
    for (const opt of options) {
      const el = document.createElement('vscode-option') as HTMLElement & { value: string };
      el.setAttribute('value', opt.value);
      el.textContent = opt.label;
      if (opt.value === value) el.setAttribute('selected', '');
      d.append(el);
    }
    if (value !== undefined) queueMicrotask(() => (d.value = value));
  };
  fill(o.options, o.value);
  d.addEventListener('change', () => o.onChange(d.value));
  return {
    el: wrap,
    control: d,
    get value() {
      return d.value;
    },
    set value(v: string) {
      d.value = v;
    },
    setOptions: fill,
  };
}

export interface CheckboxOptions {
  readonly label: string;
  readonly checked?: boolean;
  readonly testId?: string;
  readonly value?: string;
  readonly onChange: (checked: boolean) => void;
}

export interface CheckboxHandle {
  readonly el: HTMLElement;
  checked: boolean;
}

export function checkbox(o: CheckboxOptions): CheckboxHandle {
  ensureRegistered();
  const c = document.createElement('vscode-checkbox') as HTMLElement & { checked: boolean };
  c.textContent = o.label;
  if (o.testId) c.dataset.testid = o.testId;
  if (o.value) c.dataset.value = o.value;
  if (o.checked) c.setAttribute('checked', '');
  c.checked = !!o.checked;
  c.addEventListener('change', () => o.onChange(c.checked));
  return {
    el: c,
    get checked() {
      return c.checked;
    },
    set checked(v: boolean) {
      c.checked = v;
    },
  };
}

export function progressRing(label: string): HTMLElement {
  ensureRegistered();
  const p = document.createElement('vscode-progress-ring');
  p.setAttribute('aria-label', label);
  return p;
}

export function badge(text: string, title?: string): HTMLElement {
  ensureRegistered();
  const b = document.createElement('vscode-badge');
  b.textContent = text;
  if (title) b.title = title;
  return b;
}

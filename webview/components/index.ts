/**
 * The component layer the views build on. Toolkit-backed controls come from ./toolkit (the only
 * folder that imports @vscode/webview-ui-toolkit); the rest are our own.
 */
export { button, setDisabled, textField, dropdown, checkbox, progressRing, badge } from './toolkit';
export type { FieldHandle, DropdownHandle, DropdownOption, CheckboxHandle } from './toolkit';
export { h, s, rowBadge, clear } from './dom';
export { statusLine } from './statusLine';
export type { StatusLine } from './statusLine';
export { VirtualGrid } from './virtualGrid';
export type { GridColumn, VirtualGridOptions } from './virtualGrid';
export { barChart, rooflineChart } from './charts';
export type { BarItem, RooflinePoint, RooflineRoof } from './charts';

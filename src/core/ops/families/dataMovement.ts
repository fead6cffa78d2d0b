import type { OpHandler } from '../opHandler';

// IN PROGRESS: filled by the op-family work before this lands.
export const dataMovementOps: readonly OpHandler[] = [];

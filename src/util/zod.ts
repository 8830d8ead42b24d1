import type { z as zodNamespace } from 'zod';
import { requireBundled } from './bundled.js';

/**
 * zod's `z`, from broadsheet's bundle (util/bundled.ts: a fifth of the time
 * zod takes to load as a package). Its types (`z.infer`, `z.ZodType`) come
 * from `import type { z as Z } from 'zod'`.
 */
export const z: typeof zodNamespace = requireBundled<typeof import('zod')>('zod').z;

import { BroadsheetError } from '../errors.js';

/** `--port`: a number from 0 (any free port) to 65535. */
export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new BroadsheetError('USAGE', `--port must be a number from 0 to 65535, not "${value}"`);
  return Number(value);
}

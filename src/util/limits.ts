import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { BroadsheetError, type Problem } from '../errors.js';

/** `64 KiB`, `1.5 MiB`: sizes as messages give them. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const [value, unit] = n < 1024 * 1024 ? [n / 1024, 'KiB'] : [n / (1024 * 1024), 'MiB'];
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}

/**
 * The file's bytes, or only its size when that is over `maxBytes`: a file
 * too large to accept is never read into memory.
 */
export function readFileWithin(file: string, maxBytes: number): { bytes: Buffer } | { size: number } {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) return { size };
    const bytes = readFileSync(fd);
    return bytes.length > maxBytes ? { size: bytes.length } : { bytes };
  } finally {
    closeSync(fd);
  }
}

/** INPUT_TOO_LARGE for one place: the message says the limit, the problem says where, and `advice` what to do. */
export function tooLarge(what: string, size: string, limit: string, advice: string, where: Omit<Problem, 'message'>): BroadsheetError {
  return new BroadsheetError('INPUT_TOO_LARGE', `${what} is larger than broadsheet accepts`, {
    problems: [{ ...where, message: `is ${size}, over the limit of ${limit}; ${advice}` }],
  });
}

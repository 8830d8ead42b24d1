import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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
    // The size fstat gave, read once (no second fstat, as readFileSync would make): a file still being
    // written is read as it was when measured, never past the limit.
    const bytes = Buffer.allocUnsafe(size);
    let read = 0;
    for (let n = 1; read < size && n > 0; read += n) n = readSync(fd, bytes, read, size - read, read);
    return { bytes: read < size ? bytes.subarray(0, read) : bytes };
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

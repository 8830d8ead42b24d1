import { isUtf8 } from 'node:buffer';

/** Byte offset of the first invalid UTF-8 sequence, or -1 when the buffer is valid. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  const n = buf.length;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= n) return i;
    let cp = b & (0xff >> (need + 2));
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

export function lineAtOffset(buf: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (buf[i] === 0x0a) line++;
  return line;
}

export type Decoded = { ok: true; text: string } | { ok: false; line: number; message: string };

/** The bytes as text without a byte-order mark, or the line of the first invalid UTF-8 sequence and what to do about it. */
export function decodeUtf8(bytes: Buffer): Decoded {
  // isUtf8 is native and fast; the offset of the first bad byte is found only for a bad file.
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    return { ok: false, line: lineAtOffset(bytes, bad), message: `invalid UTF-8 at byte ${bad}; save the file as UTF-8` };
  }
  const text = bytes.toString('utf8');
  return { ok: true, text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
}

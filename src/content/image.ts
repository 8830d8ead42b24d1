import { open, stat } from 'node:fs/promises';

/** MIME type from the file's first bytes: the extension can lie, the bytes cannot. */
export function sniffImageType(head: Uint8Array): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const ascii = (from: number, text: string) => [...text].every((c, i) => head[from + i] === c.charCodeAt(0));
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (ascii(0, 'GIF87a') || ascii(0, 'GIF89a')) return 'image/gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'image/webp';
  if (ascii(4, 'ftypavif') || ascii(4, 'ftypavis')) return 'image/avif';
  const text = new TextDecoder().decode(head).trimStart();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'image/svg+xml';
  return undefined;
}

/**
 * MIME type of an audio or video file (an enclosure) from its first bytes:
 * MP3, MPEG-4 (audio when its brand says so), Ogg, WebM, WAV, FLAC, and PDF
 * for the odd document attached to a post.
 */
export function sniffMediaType(head: Uint8Array): string | undefined {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  const ascii = (from: number, text: string) => [...text].every((c, i) => head[from + i] === c.charCodeAt(0));
  if (ascii(0, 'ID3') || (head[0] === 0xff && ((head[1] ?? 0) & 0xe6) === 0xe2)) return 'audio/mpeg';
  if (ascii(4, 'ftyp')) return ascii(8, 'M4A ') || ascii(8, 'M4B ') ? 'audio/mp4' : 'video/mp4';
  if (ascii(0, 'OggS')) return 'audio/ogg';
  if (starts(0x1a, 0x45, 0xdf, 0xa3)) return 'video/webm';
  if (ascii(0, 'RIFF') && ascii(8, 'WAVE')) return 'audio/wav';
  if (ascii(0, 'fLaC')) return 'audio/flac';
  if (ascii(0, '%PDF-')) return 'application/pdf';
  return undefined;
}

/** A local file's size and first bytes, to tell its type. */
export async function readFileHead(file: string): Promise<{ head: Uint8Array; length: number }> {
  const { size } = await stat(file);
  const handle = await open(file, 'r');
  try {
    const head = new Uint8Array(256);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return { head: head.subarray(0, bytesRead), length: size };
  } finally {
    await handle.close();
  }
}

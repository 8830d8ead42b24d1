import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A small tmpfs mounted over one folder, for one process only: the command
 * runs in a mount namespace of its own (`unshare --mount`), so the mount
 * disappears with the process, whatever happens to the test. Needs the right
 * to mount (root, or CAP_SYS_ADMIN); where the machine does not allow it the
 * checks that need it print a notice and skip.
 */
let allowed: boolean | undefined;

export function tmpfsAllowed(): boolean {
  if (allowed === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'broadsheet-tmpfs-probe-'));
    const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${dir}'`], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
    allowed = r.status === 0;
    if (!allowed) console.warn('notice: cannot mount a tmpfs in a private mount namespace here (needs root or CAP_SYS_ADMIN); skipping the full-disk and read-only checks');
  }
  return allowed;
}

export interface TmpfsOptions {
  /** The folder the tmpfs is mounted over (it must exist). */
  mountAt: string;
  sizeKb: number;
  /** Copied into the tmpfs before the command starts. */
  seedFrom?: string;
  /** Leave exactly this many bytes free by filling the rest, before the command starts. */
  freeBytes?: number;
  /** Remount read-only before the command starts. */
  readOnly?: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** Starts `command` with the tmpfs in place. Its view of the folder is `/proc/<pid>/root<mountAt>` (see `seen`). */
export function spawnOnTmpfs(command: string[], o: TmpfsOptions): ChildProcess {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const steps = [
    `mount -t tmpfs -o size=${o.sizeKb}k tmpfs ${q(o.mountAt)}`,
    ...(o.seedFrom ? [`cp -a ${q(o.seedFrom)}/. ${q(o.mountAt)}/`] : []),
    // Fill to the last block, then give back exactly what is asked for (tmpfs frees truncated pages).
    ...(o.freeBytes !== undefined ? [`dd if=/dev/zero of=${q(o.mountAt)}/.filler bs=4096 2>/dev/null; truncate -s -${o.freeBytes} ${q(o.mountAt)}/.filler`] : []),
    ...(o.readOnly ? [`mount -o remount,ro ${q(o.mountAt)}`] : []),
    'exec "$@"',
  ];
  return spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', steps.join(' && '), 'sh', ...command], { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A path inside the tmpfs as the process sees it (root can reach another mount namespace through /proc). */
export function seen(child: ChildProcess, file: string): string {
  return path.join(`/proc/${child.pid}/root`, file);
}

/** Runs a command to its end on the tmpfs; resolves with its status and output. */
export function runOnTmpfs(command: string[], o: TmpfsOptions): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnOnTmpfs(command, o);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c) => (stdout += c));
  child.stderr!.on('data', (c) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

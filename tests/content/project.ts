import { afterEach, beforeEach } from 'vitest';
import { fixedClock, type Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/load.js';
import { loadSite } from '../../src/content/load.js';
import type { Site } from '../../src/content/model.js';
import { isBroadsheetError, type Problem } from '../../src/errors.js';
import { makeProject, type Project } from '../helpers/project.js';

/** A problem or warning as the content tests compare them: every part shown, `-` for a missing line. */
export const show = (p: Problem) => `${p.file}:${p.line ?? '-'}: ${p.field ?? ''}: ${p.message}`;

/**
 * A fresh project without articles for each test of the calling file (the
 * example site's config), and the content stage run on it.
 */
export function useContentProject(clock: Clock = fixedClock('2025-09-01T00:00:00Z')) {
  let current: Project | undefined;
  beforeEach(() => {
    current = makeProject({ articles: false });
  });
  afterEach(() => current?.cleanup());
  const load = async (): Promise<Site> => loadSite(await loadConfig(current!.config), clock);
  return {
    get project(): Project {
      return current!;
    },
    load,
    /** Every problem of a run that must fail, as `show` writes them. */
    async problems(): Promise<string[]> {
      try {
        await load();
      } catch (e) {
        if (isBroadsheetError(e)) return e.problems.map(show);
        throw e;
      }
      throw new Error('expected content problems');
    },
    /** A fresh project whose config is changed first (makeProject writes it once). */
    reconfigure(change: (c: Record<string, any>) => void): void {
      current?.cleanup();
      current = makeProject({ articles: false, config: change });
    },
  };
}

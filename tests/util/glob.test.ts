import { describe, expect, it } from 'vitest';
import { pathMatcher } from '../../src/util/glob.js';

describe('exclude patterns', () => {
  const m = pathMatcher(['_index.md', '_*', 'drafts/', 'posts/2019-*.md', '**/old/**', 'notes/**/*.txt.md', 'x[0-9].md', 'y[!a].md']);

  it('matches a name with no slash at any depth', () => {
    expect(m('_index.md', false)).toBe(true);
    expect(m('posts/_index.md', false)).toBe(true);
    expect(m('posts/_drafts', true)).toBe(true);
    expect(m('posts/index.md', false)).toBe(false);
  });

  it('matches a trailing-slash pattern only as a folder', () => {
    expect(m('blog/drafts', true)).toBe(true);
    expect(m('blog/drafts', false)).toBe(false);
  });

  it('anchors a pattern with a slash to the top folder; ** crosses folders, * does not', () => {
    expect(m('posts/2019-a.md', false)).toBe(true);
    expect(m('blog/posts/2019-a.md', false)).toBe(false);
    expect(m('posts/2019/a.md', false)).toBe(false);
    expect(m('a/b/old/c.md', false)).toBe(true);
    expect(m('notes/a.txt.md', false)).toBe(true);
    expect(m('notes/a/b/c.txt.md', false)).toBe(true);
  });

  it('reads character classes, negated with !', () => {
    expect(m('x7.md', false)).toBe(true);
    expect(m('xa.md', false)).toBe(false);
    expect(m('yb.md', false)).toBe(true);
    expect(m('ya.md', false)).toBe(false);
  });

  it('matches nothing without patterns', () => {
    expect(pathMatcher([])('_index.md', false)).toBe(false);
  });
});

/**
 * Patterns that leave files out, with .gitignore's rules, which most people
 * already know: `*` and `?` stay within one folder name, `**` crosses
 * folders, `[abc]` is one of the characters; a pattern with no `/` (other
 * than a trailing one) matches a file or folder name at any depth; one with
 * a `/` matches the path from the top folder; a trailing `/` matches folders
 * only. A folder that matches leaves out everything in it.
 */
export type PathMatcher = (relPath: string, isDirectory: boolean) => boolean;

function segmentRegex(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` is any number of folders (none included); `**` elsewhere is anything.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) out += '\\[';
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) out += `\\${glob[++i]}`;
    else out += /[.+^${}()|\\/]/.test(c) ? `\\${c}` : c;
  }
  return out;
}

export function pathMatcher(patterns: readonly string[]): PathMatcher {
  const rules = patterns
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const directoryOnly = p.endsWith('/');
      const body = directoryOnly ? p.slice(0, -1) : p;
      const anchored = body.includes('/');
      const re = new RegExp(`^${segmentRegex(body.replace(/^\//, ''))}$`);
      return { re, directoryOnly, anchored };
    });
  return (relPath, isDirectory) => {
    const name = relPath.slice(relPath.lastIndexOf('/') + 1);
    return rules.some((r) => (!r.directoryOnly || isDirectory) && r.re.test(r.anchored ? relPath : name));
  };
}

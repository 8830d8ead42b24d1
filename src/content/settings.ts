import type { Config } from '../config/load.js';

/**
 * Every setting that reading one file depends on, and nothing else: the
 * reader sees only these, so the build cache, which keys a file's result by
 * its bytes and these settings (content/cache.ts), cannot miss one.
 */
export interface ArticleSettings {
  site: Pick<Config['site'], 'url' | 'timezone' | 'author'>;
  content: Pick<Config['content'], 'permalink' | 'strict'>;
  paths: Pick<Config['paths'], 'root' | 'content'>;
}

export function articleSettings(config: ArticleSettings): ArticleSettings {
  const { site, content, paths } = config;
  return {
    site: { url: site.url, timezone: site.timezone, author: site.author },
    content: { permalink: content.permalink, strict: content.strict },
    paths: { root: paths.root, content: paths.content },
  };
}

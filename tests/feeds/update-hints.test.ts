import { describe, expect, it } from 'vitest';
import { updateHints } from '../../src/feeds/channel.js';
import { fileText, xpathString } from '../helpers/feeds.js';
import { exampleSite } from '../helpers/project.js';
import { renderFeeds } from '../../src/feeds/index.js';

describe('update hints from schedule.cron: RSS ttl, sy:updatePeriod and sy:updateFrequency', () => {
  it('follow how often the schedule runs', () => {
    const table: [string, ReturnType<typeof updateHints>][] = [
      ['0 7 * * *', { ttl: 1440, period: 'daily', frequency: 1 }],
      ['0 7,19 * * *', { ttl: 720, period: 'daily', frequency: 2 }],
      ['0 * * * *', { ttl: 60, period: 'hourly', frequency: 1 }],
      ['*/15 * * * *', { ttl: 15, period: 'hourly', frequency: 4 }],
      ['*/20 * * * * *', { ttl: 1, period: 'hourly', frequency: 180 }],
      // Weekdays: a day apart at most, five times a week.
      ['30 6 * * 1-5', { ttl: 1440, period: 'weekly', frequency: 5 }],
      ['0 7 * * mon', { ttl: 7 * 1440, period: 'weekly', frequency: 1 }],
      ['0 7 1,15 * *', { ttl: 14 * 1440, period: 'monthly', frequency: 2 }],
      // node-cron's own tokens: the last day of the month, the first Monday.
      ['0 9 L * *', { ttl: 28 * 1440, period: 'monthly', frequency: 1 }],
      ['0 9 * * 1#1', { ttl: 28 * 1440, period: 'monthly', frequency: 1 }],
      ['0 0 1 1 *', { ttl: 365 * 1440, period: 'yearly', frequency: 1 }],
      // February 29th: not in the reference year, so no hint rather than a wrong one.
      ['0 0 29 2 *', undefined],
    ];
    expect(table.map(([cron]) => [cron, updateHints(cron)])).toEqual(table);
  });

  it('appear in the subscription feeds, not in archive pages', async () => {
    const site = await exampleSite();
    const files = renderFeeds({ ...site, config: { ...site.config, schedule: { ...site.config.schedule, cron: '*/30 * * * *' }, feeds: { ...site.config.feeds, items: 1, archivePageSize: 2 } } });
    const rss = fileText(files, 'rss.xml');
    expect([xpathString(rss, '/rss/channel/ttl'), xpathString(rss, '/rss/channel/sy:updatePeriod'), xpathString(rss, '/rss/channel/sy:updateFrequency')]).toEqual(['30', 'hourly', '2']);
    for (const p of ['atom.xml', 'tags/cloud/atom.xml']) {
      const atom = fileText(files, p);
      expect([xpathString(atom, '/atom:feed/sy:updatePeriod'), xpathString(atom, '/atom:feed/sy:updateFrequency')], p).toEqual(['hourly', '2']);
    }
    expect(xpathString(fileText(files, 'tags/cloud/rss.xml'), '/rss/channel/ttl')).toBe('30');
    for (const p of ['archive/1.xml', 'archive/4.xml']) expect(fileText(files, p)).not.toContain('sy:');
  });
});

import { load } from 'cheerio';
import { describe, expect, it } from 'vitest';
import { FIELDS, formSnippet, subscribeFormHtml } from '../../src/list/form.js';
import { TEST_SHEET } from '../helpers/delivery.js';
import { exampleConfig } from '../helpers/project.js';

describe('the subscribe form', () => {
  it('the snippet for other pages posts to the public subscribe URL; the page\'s posts back to itself; both carry the same fields and the hidden honeypot', async () => {
    const config = await exampleConfig(TEST_SHEET);
    {
      const snippet = load(formSnippet(config));
      expect(snippet('form').attr('action')).toBe('https://news.example.test/subscribe/');
      expect(snippet('form').attr('method')).toBe('post');
      const own = load(subscribeFormHtml(config));
      expect(own('form').attr('action')).toBeUndefined();
      for (const $ of [snippet, own]) {
        expect($('input').map((_, i) => $(i).attr('name')).get()).toEqual([FIELDS.email, FIELDS.name, FIELDS.honeypot]);
        const trap = $(`input[name="${FIELDS.honeypot}"]`);
        expect(trap.attr('tabindex')).toBe('-1');
        expect(trap.parent().attr('aria-hidden')).toBe('true');
        expect(trap.parent().attr('style')).toContain('left:-10000px');
      }
    }
  });
});

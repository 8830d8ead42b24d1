/**
 * Makes `target[key]` a value computed the first time it is read, then kept
 * as an ordinary property (enumerable, so copies and JSON see it): the build
 * cache's bodies are read from disk, and a feed item's HTML is checked, only
 * for what is rendered.
 */
export function lazy<T extends object, K extends keyof T>(target: T, key: K, read: () => T[K]): void {
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      return settle(target, key, read());
    },
    set(value: T[K]) {
      settle(target, key, value);
    },
  });
}

/**
 * Makes `target[key]` an ordinary property holding `value`, and returns the
 * value: what a lazy property's getter does at the first read. Also for an
 * accessor whose functions many objects share (a restored entry's body,
 * content/cache.ts), which keeps them in V8's fast mode: an accessor with
 * functions of its own, from `lazy` or written in an object literal, turns
 * its object into a hash table.
 */
export function settle<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): T[K] {
  Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
  return value;
}

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
      const value = read();
      Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
      return value;
    },
    set(value: T[K]) {
      Object.defineProperty(target, key, { value, enumerable: true, configurable: true, writable: true });
    },
  });
}

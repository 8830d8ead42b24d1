/**
 * A map that forgets its least recently used entries once their total weight
 * passes `budget`: representations keep their compressed bytes, so an
 * unbounded cache would grow with the site.
 */
export class RecentCache<K, V> {
  private readonly map = new Map<K, V>();
  private total = 0;

  constructor(
    private readonly budget: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the entry as the newest.
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.delete(key);
    if (this.weigh(value) > this.budget) return;
    this.map.set(key, value);
    this.total += this.weigh(value);
    while (this.total > this.budget) this.delete(this.map.keys().next().value as K);
  }

  private delete(key: K): void {
    const old = this.map.get(key);
    if (old === undefined) return;
    this.map.delete(key);
    this.total -= this.weigh(old);
  }
}

export function postgresBinDir(): string | undefined;
export function startCluster(options?: { fsync?: boolean }): Promise<{ url: string; version: string; stop(): void }>;
export function createDatabase(admin: string, name: string): Promise<string>;

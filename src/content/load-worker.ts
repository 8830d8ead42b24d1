import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/load.js';
import { loadArticleFile } from './article-file.js';

// Reads and renders its share of the articles; the main thread does the rest.
const { files, config } = workerData as { files: string[]; config: Config };
const results = [];
for (const file of files) results.push(await loadArticleFile(file, config));
parentPort!.postMessage(results);

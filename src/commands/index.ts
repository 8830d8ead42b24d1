import { buildCommand } from './build.js';
import { inboundCommand } from './inbound.js';
import { initCommand } from './init.js';
import { issuesCommand } from './issues.js';
import { previewCommand } from './preview.js';
import { scheduleCommand } from './schedule.js';
import { sendCommand } from './send.js';
import { serveCommand } from './serve.js';
import { subscribersCommand } from './subscribers.js';
import type { Command } from './types.js';
import { validateCommand } from './validate.js';

/** Every command the CLI offers, in the order `--help` lists them. */
export const commands: Command[] = [initCommand, buildCommand, validateCommand, subscribersCommand, sendCommand, scheduleCommand, serveCommand, inboundCommand, previewCommand, issuesCommand];

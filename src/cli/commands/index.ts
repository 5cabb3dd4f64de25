/**
 * The registry of subcommands, in the order `stnmf --help` lists them. Each command lives in
 * its own file in this folder and exports one `Command`.
 */
import type { Command } from '../command.js';
import { contrastiveCommand } from './contrastive.js';
import { demoCommand } from './demo.js';
import { nmfCommand } from './nmf.js';

export const COMMANDS: Command[] = [demoCommand, nmfCommand, contrastiveCommand];

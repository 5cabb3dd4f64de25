/**
 * The registry of subcommands, in the order `stnmf --help` lists them. Each command lives in
 * its own file in this folder and exports one `Command`.
 */
import type { Command } from '../command.js';

export const COMMANDS: Command[] = [];

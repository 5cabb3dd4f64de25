/**
 * The registry of subcommands, in the order `stnmf --help` lists them. Each command lives in
 * its own file in this folder and exports one `Command`.
 */
import type { Command } from '../command.js';
import { appCommand } from './app.js';
import { clusterCommand } from './cluster.js';
import { consensusCommand } from './consensus.js';
import { contrastiveCommand } from './contrastive.js';
import { convertCommand } from './convert.js';
import { demoCommand } from './demo.js';
import { exportVitessceCommand } from './export-vitessce.js';
import { hsnmfCommand } from './hsnmf.js';
import { infoCommand } from './info.js';
import { metricsCommand } from './metrics.js';
import { multiomicsCommand } from './multiomics.js';
import { nmfCommand } from './nmf.js';
import { plotCommand } from './plot.js';
import { reportCommand } from './report.js';
import { siidCommand } from './siid.js';
import { simulateCommand } from './simulate.js';
import { viewCommand } from './view.js';

export const COMMANDS: Command[] = [
  demoCommand,
  infoCommand,
  convertCommand,
  nmfCommand,
  consensusCommand,
  clusterCommand,
  metricsCommand,
  hsnmfCommand,
  siidCommand,
  multiomicsCommand,
  contrastiveCommand,
  simulateCommand,
  plotCommand,
  reportCommand,
  viewCommand,
  appCommand,
  exportVitessceCommand,
];

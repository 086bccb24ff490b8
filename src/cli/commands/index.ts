import type { CommandModule } from '../command.js';
import { command as up } from './up.js';
import { command as down } from './down.js';
import { command as status } from './status.js';
import { command as doctor } from './doctor.js';
import { command as run } from './run.js';
import { command as plan } from './plan.js';
import { command as scenarios } from './scenarios.js';
import { command as size } from './size.js';
import { command as prices } from './prices.js';
import { command as report } from './report.js';
import { command as compare } from './compare.js';
import { command as gate } from './gate.js';
import { command as cloudwatch } from './cloudwatch.js';
import { command as worker } from './worker.js';
import { command as importCommand } from './import.js';

/** Every command, in the order --help lists them. Modules are cheap to import (see command.ts). */
export const commandModules: CommandModule[] = [up, status, down, doctor, run, plan, scenarios, importCommand, size, prices, report, compare, gate, cloudwatch, worker];

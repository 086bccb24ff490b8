/** Where everything of a local stack lives inside its state directory. Pure. */
import { join } from 'node:path';

export interface StackLayout {
  stateDir: string;
  logsDir: string;
  lockFile: string;
  postgresDir: string;
  postgresDataDir: string;
  postgresSocketDir: string;
  seedMarker: string;
  redisDir: string;
  nginxDir: string;
  nginxTempDir: string;
  prometheusDir: string;
  prometheusDataDir: string;
}

export function stackLayout(stateDir: string): StackLayout {
  const postgresDir = join(stateDir, 'postgres');
  const nginxDir = join(stateDir, 'nginx');
  const prometheusDir = join(stateDir, 'prometheus');
  return {
    stateDir,
    logsDir: join(stateDir, 'logs'),
    lockFile: join(stateDir, 'up.lock'),
    postgresDir,
    postgresDataDir: join(postgresDir, 'data'),
    postgresSocketDir: join(postgresDir, 'run'),
    seedMarker: join(postgresDir, 'seeded.json'),
    redisDir: join(stateDir, 'redis'),
    nginxDir,
    nginxTempDir: join(nginxDir, 'temp'),
    prometheusDir,
    prometheusDataDir: join(prometheusDir, 'data'),
  };
}

/** What `down --purge` deletes: every folder the stack wrote, and its state and lock files. */
export function purgeTargets(layout: StackLayout): string[] {
  return [layout.postgresDir, layout.redisDir, layout.nginxDir, layout.prometheusDir, layout.logsDir, layout.lockFile];
}

export function logFile(layout: StackLayout, component: string): string {
  return join(layout.logsDir, `${component}.log`);
}

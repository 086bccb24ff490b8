/**
 * Operational laws (Denning & Buzen; Little). Pure functions of plain numbers, in SI units:
 * seconds, requests per second, CPU-seconds per request.
 */

function requireFinite(name: string, value: number, { positive = false } = {}): void {
  if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw new RangeError(`${name} must be a ${positive ? 'positive' : 'non-negative'} finite number, got ${value}`);
  }
}

/** Little's law for a closed interactive system: N = X · (R + Z). Returns X, requests per second. */
export function throughputFromUsers(users: number, responseTimeS: number, thinkTimeS: number): number {
  requireFinite('users', users);
  requireFinite('responseTimeS', responseTimeS);
  requireFinite('thinkTimeS', thinkTimeS);
  const cycle = responseTimeS + thinkTimeS;
  if (cycle <= 0) throw new RangeError('response time plus think time must be positive');
  return users / cycle;
}

/** Little's law read the other way: the users N that keep X requests per second in flight. */
export function usersFromThroughput(throughputRps: number, responseTimeS: number, thinkTimeS: number): number {
  requireFinite('throughputRps', throughputRps);
  return throughputRps * (responseTimeS + thinkTimeS);
}

/** Little's law for a queue: mean number in the system L = λ · W. */
export function meanInSystem(arrivalRate: number, meanTimeInSystemS: number): number {
  requireFinite('arrivalRate', arrivalRate);
  requireFinite('meanTimeInSystemS', meanTimeInSystemS);
  return arrivalRate * meanTimeInSystemS;
}

/** Utilization law: U = X · D (in cores when D is CPU-seconds per request). */
export function utilization(throughputRps: number, serviceDemandS: number): number {
  requireFinite('throughputRps', throughputRps);
  requireFinite('serviceDemandS', serviceDemandS);
  return throughputRps * serviceDemandS;
}

/** Service demand from a measurement: D = U / X (busy cores divided by throughput). */
export function serviceDemand(busyCores: number, throughputRps: number): number {
  requireFinite('busyCores', busyCores);
  requireFinite('throughputRps', throughputRps, { positive: true });
  return busyCores / throughputRps;
}

/** Cores a tier needs to carry X at a target utilization u: cores = X · D / u. */
export function coresAtTargetUtilization(throughputRps: number, serviceDemandS: number, targetUtilization: number): number {
  if (!(targetUtilization > 0 && targetUtilization <= 1)) {
    throw new RangeError(`target utilization must be in (0, 1], got ${targetUtilization}`);
  }
  return utilization(throughputRps, serviceDemandS) / targetUtilization;
}

// Minimal typing of the parts of autocannon's Node API this adapter uses (the package ships none).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface AutocannonRequestData {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    setupRequest?: (request: AutocannonRequestData, context: Record<string, unknown>) => AutocannonRequestData | null;
  }

  /** One HTTP connection; emits 'request', 'response' (status, bytes, ms), 'timeout', 'connError'.
   * destroy() closes it for good (it emits 'done'). */
  type AutocannonClient = EventEmitter & { destroy(): void };

  interface AutocannonOptions {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    overallRate?: number;
    timeout?: number;
    pipelining?: number;
    sampleInt?: number;
    requests?: AutocannonRequestData[];
    setupClient?: (client: AutocannonClient) => void;
    skipAggregateResult?: boolean;
  }

  interface AutocannonInstance extends EventEmitter {
    stop(): void;
  }

  type AutocannonResult = Record<string, unknown>;

  function autocannon(options: AutocannonOptions, callback: (error: Error | null, result: AutocannonResult) => void): AutocannonInstance;
  export default autocannon;
  export type { AutocannonClient, AutocannonInstance, AutocannonOptions, AutocannonRequestData, AutocannonResult };
}

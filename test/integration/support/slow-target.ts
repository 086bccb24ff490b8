import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A target that cannot keep up: it serves `slots` requests at a time, `serviceMs` each, and
 * queues the rest without limit, so a load planned above slots / serviceMs builds a queue and
 * latency all along. It counts what it received and answered; /healthz (the preflight's check)
 * is answered at once and not counted.
 */
export interface SlowTarget {
  url: string;
  received: number;
  answered: number;
  close(): Promise<void>;
}

export async function startSlowTarget(slots: number, serviceMs: number): Promise<SlowTarget> {
  const queue: ServerResponse[] = [];
  let busy = 0;
  const serveNext = (): void => {
    while (busy < slots && queue.length > 0) {
      const response = queue.shift() as ServerResponse;
      if (response.destroyed) continue;
      busy += 1;
      setTimeout(() => {
        busy -= 1;
        if (!response.destroyed) {
          response.end('ok');
          target.answered += 1;
        }
        serveNext();
      }, serviceMs);
    }
  };
  const server: Server = createServer((request, response) => {
    if (request.url === '/healthz') return void response.end('ok');
    target.received += 1;
    queue.push(response);
    serveNext();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target: SlowTarget = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: 0,
    answered: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return target;
}

/**
 * Redis INFO: a pure reader of its "key:value" text and of RESP bulk replies, and a tiny client
 * that sends INFO over a raw TCP connection (no Redis library needed for one command).
 */
import { connect, type Socket } from 'node:net';

export type RedisInfo = Map<string, string>;

/** Reads INFO's text: "# Section" headers, "key:value" lines; keyspace lines keep their value text. */
export function parseRedisInfo(text: string): RedisInfo {
  const info: RedisInfo = new Map();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    info.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return info;
}

export function infoNumber(info: RedisInfo, key: string): number | undefined {
  const raw = info.get(key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

export type RespReply = { kind: 'bulk'; text: string | null } | { kind: 'simple'; text: string } | { kind: 'error'; text: string };

/**
 * Reads one RESP reply from the start of a buffer: a bulk string ($), a simple string (+) or an
 * error (-). Returns undefined until the whole reply has arrived.
 */
export function readRespReply(buffer: Buffer): { reply: RespReply; consumed: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n');
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buffer[0] ?? 0);
  const head = buffer.subarray(1, lineEnd).toString('utf8');
  if (kind === '+') return { reply: { kind: 'simple', text: head }, consumed: lineEnd + 2 };
  if (kind === '-') return { reply: { kind: 'error', text: head }, consumed: lineEnd + 2 };
  if (kind === '$') {
    const length = Number(head);
    if (!Number.isInteger(length)) throw new Error(`malformed RESP bulk length ${JSON.stringify(head)}`);
    if (length < 0) return { reply: { kind: 'bulk', text: null }, consumed: lineEnd + 2 };
    const end = lineEnd + 2 + length;
    if (buffer.length < end + 2) return undefined;
    return { reply: { kind: 'bulk', text: buffer.subarray(lineEnd + 2, end).toString('utf8') }, consumed: end + 2 };
  }
  throw new Error(`unexpected RESP reply type ${JSON.stringify(kind)}`);
}

/** Encodes a command as a RESP array of bulk strings. */
export function encodeCommand(parts: string[]): string {
  return `*${parts.length}\r\n${parts.map((part) => `$${Buffer.byteLength(part)}\r\n${part}\r\n`).join('')}`;
}

export interface RedisAddress {
  host: string;
  port: number;
  password?: string;
  username?: string;
}

/** Reads host, port and credentials from a redis:// URL. */
export function parseRedisUrl(text: string): RedisAddress {
  const url = new URL(text);
  if (url.protocol !== 'redis:') throw new Error(`not a redis:// URL: ${text}`);
  const address: RedisAddress = { host: url.hostname || '127.0.0.1', port: url.port ? Number(url.port) : 6379 };
  if (url.password) address.password = decodeURIComponent(url.password);
  if (url.username) address.username = decodeURIComponent(url.username);
  return address;
}

/** A persistent connection that sends commands one at a time (INFO every second needs no pipeline). */
export class RedisInfoConnection {
  private socket: Socket | undefined;
  private buffer = Buffer.alloc(0);
  private waiting: { resolve: (reply: RespReply) => void; reject: (error: Error) => void } | undefined;

  constructor(
    private readonly address: RedisAddress,
    private readonly timeoutMs = 2000,
  ) {}

  private async open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const candidate = connect({ host: this.address.host, port: this.address.port });
      candidate.setTimeout(this.timeoutMs, () => candidate.destroy(new Error(`no answer from redis at ${this.address.host}:${this.address.port} within ${this.timeoutMs} ms`)));
      candidate.once('connect', () => resolve(candidate));
      candidate.once('error', reject);
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('redis connection closed')));
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    if (this.address.password) {
      const auth = this.address.username ? ['AUTH', this.address.username, this.address.password] : ['AUTH', this.address.password];
      const reply = await this.send(auth);
      if (reply.kind === 'error') throw new Error('redis refused the credentials in the URL');
    }
    return socket;
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    if (!this.waiting) return;
    try {
      const read = readRespReply(this.buffer);
      if (!read) return;
      this.buffer = this.buffer.subarray(read.consumed);
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting.resolve(read.reply);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private fail(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.socket?.destroy();
    this.socket = undefined;
    waiting?.reject(error);
  }

  private send(parts: string[]): Promise<RespReply> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new Error('redis connection not open'));
    return new Promise<RespReply>((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(encodeCommand(parts));
    });
  }

  /** Sends INFO and returns its parsed text. */
  async info(): Promise<RedisInfo> {
    await this.open();
    const reply = await this.send(['INFO']);
    if (reply.kind === 'error') throw new Error(`redis INFO failed: ${reply.text}`);
    return parseRedisInfo(reply.text ?? '');
  }

  close(): void {
    this.socket?.end();
    this.socket?.destroy();
    this.socket = undefined;
  }
}

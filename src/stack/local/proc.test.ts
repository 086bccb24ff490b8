import { describe, expect, it } from 'vitest';
import { cmdlineMatches, firstUntraversable, parseCmdline, parsePasswd } from './proc.js';

describe('cmdline', () => {
  it('splits on NUL and matches the program by basename', () => {
    const args = parseCmdline('/usr/lib/postgresql/15/bin/postgres\0-D\0/x\0');
    expect(args).toEqual(['/usr/lib/postgresql/15/bin/postgres', '-D', '/x']);
    expect(cmdlineMatches(args, 'postgres')).toBe(true);
    expect(cmdlineMatches(args, 'node')).toBe(false);
  });

  it('matches programs that rewrite their title', () => {
    expect(cmdlineMatches(parseCmdline('nginx: master process /usr/sbin/nginx -c /s/nginx.conf\0'), 'nginx')).toBe(true);
    expect(cmdlineMatches(parseCmdline('redis-server 127.0.0.1:6400\0\0\0'), 'redis-server')).toBe(true);
    expect(cmdlineMatches(parseCmdline('/usr/bin/node\0server.js\0'), 'node')).toBe(true);
    expect(cmdlineMatches([], 'node')).toBe(false);
    expect(cmdlineMatches(parseCmdline('/usr/bin/nodejs-other\0'), 'node')).toBe(false);
  });
});

describe('parsePasswd', () => {
  it('reads name, uid, gid and home, skipping junk lines', () => {
    const entries = parsePasswd('root:x:0:0:root:/root:/bin/bash\n# comment\npostgres:x:101:104::/var/lib/postgresql:/bin/bash\nbroken\n');
    expect(entries).toEqual([
      { name: 'root', uid: 0, gid: 0, home: '/root' },
      { name: 'postgres', uid: 101, gid: 104, home: '/var/lib/postgresql' },
    ]);
  });
});

describe('firstUntraversable', () => {
  const user = { uid: 101, gid: 104 };
  it('finds the first directory without an x bit for the user', () => {
    const dirs = [
      { path: '/', mode: 0o40755, uid: 0, gid: 0 },
      { path: '/root', mode: 0o40700, uid: 0, gid: 0 },
      { path: '/root/p', mode: 0o40755, uid: 0, gid: 0 },
    ];
    expect(firstUntraversable(dirs, user)).toBe('/root');
  });

  it('uses the owner, group and other bits as the kernel does', () => {
    expect(firstUntraversable([{ path: '/a', mode: 0o40700, uid: 101, gid: 0 }], user)).toBeUndefined();
    expect(firstUntraversable([{ path: '/a', mode: 0o40710, uid: 0, gid: 104 }], user)).toBeUndefined();
    expect(firstUntraversable([{ path: '/a', mode: 0o40701, uid: 0, gid: 104 }], user)).toBe('/a');
    expect(firstUntraversable([{ path: '/tmp', mode: 0o41777, uid: 0, gid: 0 }], user)).toBeUndefined();
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const read = (file: string) => readFileSync(path.join(process.cwd(), file), 'utf8');

describe('the set-up and CI entry', () => {
  // k6 is AGPL-3.0: the project may use a k6 the user installed, never fetch or build one.
  it.each(['scripts/setup.sh', '.ci/run'])('%s neither fetches nor builds k6, nor downloads binaries', (file) => {
    const text = read(file).split('\n').filter((line) => !line.trim().startsWith('#')).join('\n');
    expect(text).not.toMatch(/go\.k6\.io|grafana\/k6|\bgo (install|build|get)\b/);
    expect(text).not.toMatch(/\b(curl|wget)\b/);
  });

  it('setup.sh installs Locust pinned, from PyPI with pip, into the project-local .venv-locust/ (gitignored)', () => {
    const text = read('scripts/setup.sh');
    expect(text).toMatch(/LOCUST_VERSION=\d+\.\d+\.\d+\n/);
    expect(text).toMatch(/HDRHISTOGRAM_VERSION=\d+\.\d+\.\d+\n/);
    expect(text).toMatch(/-m venv \.venv-locust/);
    expect(text).toMatch(/\.venv-locust\/bin\/python -m pip install [^\n]*\\\n\s*"locust==\$LOCUST_VERSION" "hdrhistogram==\$HDRHISTOGRAM_VERSION"/);
    expect(read('.gitignore').split('\n')).toContain('.venv-locust/');
  });

  it('setup.sh only looks k6 up on PATH', () => {
    expect(read('scripts/setup.sh')).toMatch(/command -v k6/);
  });
});

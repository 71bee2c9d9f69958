import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unroutableRequest } from './unroutable';

test('requests Next.js would fail on are refused with a reason; the rest pass', () => {
  assert.equal(unroutableRequest('GET', '/api/hooks/abc?x=%ZZ'), null);
  assert.equal(unroutableRequest('POST', '/api/runs/%00/logs.txt'), null);
  assert.equal(unroutableRequest('GET', '/flows/%F0%9F%9A%80'), null);
  for (const path of ['/api/hooks/%ZZ', '/a/%', '/x/%C0%AE', '/x/%ED%A0%80', '/x/%E0%A4%A']) {
    const refusal = unroutableRequest('GET', path);
    assert.equal(refusal?.status, 400, path);
    assert.match(refusal.message, /malformed/);
  }
  for (const method of ['TRACE', 'PROPFIND', 'CONNECT', undefined]) {
    const refusal = unroutableRequest(method, '/api/health');
    assert.equal(refusal?.status, 405, String(method));
    assert.match(refusal.headers.allow ?? '', /^GET, HEAD, POST/);
  }
});

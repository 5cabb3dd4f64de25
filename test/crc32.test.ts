import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import { crc32, crc32Finish, crc32Update } from '../src/crc32.js';

test('crc32: the standard check value and zlib agree, piecewise equals whole', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  const bytes = deflateSync(Buffer.from('stnmf '.repeat(1000)));
  const whole = crc32(bytes);
  if (typeof zlibCrc32 === 'function') assert.equal(whole, zlibCrc32(bytes));
  const piecewise = crc32Finish(crc32Update(bytes.subarray(100), crc32Update(bytes.subarray(0, 100))));
  assert.equal(piecewise, whole);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PermanentTaskError } from '../runner';
import { compileGlob } from './file-walk';

const matching = (pattern: string, paths: string[]) => paths.filter(compileGlob(pattern));
const paths = ['a.csv', 'b.txt', '.hidden.csv', 'x/c.csv', 'x/y/d.csv', 'x/y/e.txt', 'x/f[1].csv'];

test('* and ? stay within one folder; ** spans any number', () => {
  assert.deepEqual(matching('*.csv', paths), ['a.csv', '.hidden.csv']);
  assert.deepEqual(matching('**/*.csv', paths), [
    'a.csv',
    '.hidden.csv',
    'x/c.csv',
    'x/y/d.csv',
    'x/f[1].csv',
  ]);
  assert.deepEqual(matching('x/**', paths), ['x/c.csv', 'x/y/d.csv', 'x/y/e.txt', 'x/f[1].csv']);
  assert.deepEqual(matching('x/**/*.txt', paths), ['x/y/e.txt']);
  assert.deepEqual(matching('?.txt', paths), ['b.txt']);
  assert.deepEqual(matching('**', paths), paths);
});

test('classes, negated classes, and regex characters taken literally', () => {
  assert.deepEqual(matching('[ab].*', paths), ['a.csv', 'b.txt']);
  assert.deepEqual(matching('[!a].*', paths), ['b.txt']);
  assert.deepEqual(matching('x/f[[]1].csv', paths), ['x/f[1].csv']);
  assert.equal(compileGlob('a+b.csv')('a+b.csv'), true);
  assert.equal(compileGlob('a+b.csv')('aab.csv'), false);
});

test('patterns that would leave the folder are refused', () => {
  assert.throws(() => compileGlob('../*.csv'), PermanentTaskError);
  assert.throws(() => compileGlob('/etc/*'), /must be relative/);
});

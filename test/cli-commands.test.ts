import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMANDS } from '../lib/cli/main.js';
import { cli } from './support/cli.js';

test('bigan help lists every command a user runs, one line each, and hides the internal ones', async () => {
  const { code, output } = await cli(['help']);
  assert.equal(code, 0);
  for (const command of COMMANDS) {
    const line = output.split('\n').find((l) => l.trimStart().startsWith(`${command.name} `));
    if (command.hidden) assert.equal(line, undefined, `${command.name} is internal but listed`);
    else assert.ok(line?.includes(command.summary), `${command.name} is missing from the list`);
  }
  assert.equal(new Set(COMMANDS.map((c) => c.name)).size, COMMANDS.length, 'two commands share a name');
  assert.equal((await cli([])).code, 2, 'no command at all is a usage error');
});

test("every command's usage names the command and every option it accepts", () => {
  for (const command of COMMANDS) {
    assert.match(command.usage, new RegExp(`^bigan ${command.name}\\b`), `${command.name}: usage starts elsewhere`);
    for (const option of Object.keys(command.options))
      assert.ok(command.usage.includes(`--${option}`), `${command.name}: --${option} is accepted but not documented`);
  }
});

test('help COMMAND and COMMAND --help print its usage; an unknown command or option is named', async () => {
  for (const args of [
    ['help', 'eval'],
    ['eval', '--help'],
  ]) {
    const { code, output } = await cli(args);
    assert.equal(code, 0);
    assert.match(output, /^bigan eval --run DIR/);
  }
  const unknownCommand = await cli(['evaluate']);
  assert.equal(unknownCommand.code, 2);
  assert.match(unknownCommand.output, /unknown command 'evaluate'/);
  assert.equal((await cli(['help', 'evaluate'])).code, 2);
  const unknownOption = await cli(['eval', '--run', 'x', '--epochz', '3']);
  assert.equal(unknownOption.code, 1);
  assert.match(unknownOption.output, /bigan eval: .*'--epochz'/);
  const missing = await cli(['plot']);
  assert.deepEqual(missing, { code: 1, output: 'bigan plot: --run is required' });
});

test('ablate --plan refuses the options the plan sets itself, naming them', async () => {
  const { code, output } = await cli(['ablate', '--plan', 'bigbigan-plan', '--seeds', '3', '--retrain']);
  assert.equal(code, 1);
  assert.match(output, /--plan sets the sweep itself: --seeds, --retrain cannot be given with it/);
});

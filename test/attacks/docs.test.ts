/** Runs the ```js example of docs/ATTACKS.md as written (the package import mapped to this checkout). */
import * as fs from 'fs';
import * as path from 'path';

const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'ATTACKS.md'), 'utf8');
const example = doc.match(/```js\n([\s\S]*?)```/)?.[1] as string;

it('docs/ATTACKS.md: the example runs and prints clean ≥ robust accuracy with one entry per default attack', async () => {
  const body = example.replace(/^import \* as (\w+) from '([^']+)';$/gm, "const $1 = require('$2');");
  const resolve = (id: string) => (id === 'tfjs-jacobian-reg' ? require('../../src') : require(id));
  const logged: unknown[][] = [];
  const quiet = { ...console, log: (...args: unknown[]) => void logged.push(args) } as Console;
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
  await new AsyncFunction('require', 'console', body)(resolve, quiet);
  const [clean, robust, perAttack] = logged[0] as [number, number, Record<string, number>];
  expect(clean).toBeGreaterThanOrEqual(robust);
  expect(Object.keys(perAttack)).toEqual(['apgd-ce', 'apgd-dlr', 'square']);
  expect(perAttack.square).toBe(robust);
});

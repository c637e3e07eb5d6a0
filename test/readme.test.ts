/** Runs every ```js example of the README's "Use it" section as written (imports mapped to this checkout). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Use it'), readme.indexOf('### What happens inside'));
const examples = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

/** `import * as a from 'b'` → `const a = require('b')`; the body runs in an async function (top-level await). */
function runnable(code: string): (require: (id: string) => unknown, console: Console) => Promise<void> {
  const body = code.replace(/^import \* as (\w+) from '([^']+)';$/gm, "const $1 = require('$2');");
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
  return new AsyncFunction('require', 'console', body);
}

describe('README examples', () => {
  it('has the four "Use it" examples', () => expect(examples).toHaveLength(4));

  it('the first-screen example runs on given x, y', async () => {
    const first = readme.slice(0, readme.indexOf('## Use it')).match(/```js\n([\s\S]*?)```/)?.[1] as string;
    const tf = require('@tensorflow/tfjs');
    const x = tf.randomUniform([16, 784]);
    const y = tf.oneHot(tf.randomUniform([16], 0, 10, 'int32'), 10);
    const resolve = (id: string) => (id === 'tfjs-jacobian-reg' ? require('../src') : require(id));
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
    const body = first
      .replace(/^import \* as (\w+) from '([^']+)';$/gm, "const $1 = require('$2');")
      .replace(/epochs: 5/, 'epochs: 1, verbose: 0');
    const model = await new AsyncFunction('require', 'x', 'y', `${body}\nreturn model;`)(resolve, x, y);
    expect(model.layers[0].getClassName()).toBe('tfjs-jacobian-reg>Regularized');
    expect(model.layers[0].evaluations).toEqual([1]);
  });

  it.each(examples.map((code, i) => [i + 1, code]))('example %i runs and prints what it promises', async (_, code) => {
    const cwd = process.cwd();
    process.chdir(fs.mkdtempSync(path.join(os.tmpdir(), 'jr-readme-')));
    const logged: unknown[][] = [];
    const quiet = { ...console, log: (...args: unknown[]) => void logged.push(args) } as Console;
    const resolve = (id: string) => (id === 'tfjs-jacobian-reg' ? require('../src') : require(id));
    try {
      await runnable(code as string)(resolve, quiet);
    } finally {
      process.chdir(cwd);
    }
    // The examples print what they promise in their comments.
    const printed = JSON.stringify(logged);
    if ((code as string).includes("// 'rowSumDiagonal'")) expect(printed).toContain('rowSumDiagonal');
    if ((code as string).includes('regularized_1_jacobian_sigma'))
      expect(printed).toMatch(/regularized_\d+_jacobian_sigma/);
    if ((code as string).includes('network_hessian_sigma')) expect(logged[0][0]).toHaveLength(2);
  });
});

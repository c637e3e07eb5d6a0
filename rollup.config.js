// Bundles for browsers, built from the ESM output of `tsc`; tfjs stays external.
// UMD: <script> after tfjs' own, global `jr`, tfjs read from the global `tf`. ES: one-file module for import maps
// (.esm.js) and for Node's `import` (.mjs).
const external = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers'];
module.exports = {
  input: 'dist/esm/index.js',
  external,
  output: [
    {
      file: 'dist/tfjs-jacobian-reg.umd.js',
      format: 'umd',
      name: 'jr',
      sourcemap: true,
      globals: { '@tensorflow/tfjs-core': 'tf', '@tensorflow/tfjs-layers': 'tf' },
    },
    { file: 'dist/tfjs-jacobian-reg.esm.js', format: 'es', sourcemap: true },
    // The same ES module as .mjs: Node's `import` (package.json "exports") loads it as ESM on every Node version.
    { file: 'dist/tfjs-jacobian-reg.mjs', format: 'es', sourcemap: true },
  ],
};

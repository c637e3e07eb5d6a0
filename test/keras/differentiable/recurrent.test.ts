/**
 * Recurrent layers and wrappers: the weight gradients of the package's Jacobian (order 2) and Hessian (order 3)
 * penalties against central differences, on cpu and wasm, with return sequences on and off.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { MatrixCase, dense, describeMatrix, init } from '../../helpers/layer_matrix';

const T = 3;
const F = 2;
const rnnInit = (seed: number) => ({
  kernelInitializer: init(seed),
  recurrentInitializer: init(seed + 1),
  biasInitializer: init(seed + 2, 0.3),
});

const recurrent = {
  simpleRNN: (returnSequences: boolean, seed: number) =>
    tfl.layers.simpleRNN({ units: 3, returnSequences, ...rnnInit(seed) }),
  lstm: (returnSequences: boolean, seed: number) => tfl.layers.lstm({ units: 2, returnSequences, ...rnnInit(seed) }),
  gru: (returnSequences: boolean, seed: number) => tfl.layers.gru({ units: 2, returnSequences, ...rnnInit(seed) }),
};

/** A model builder (fresh layers on every call: each backend builds its own). */
const seq = (layers: () => tfl.layers.Layer[]) => () =>
  tfl.sequential({ layers: [tfl.layers.inputLayer({ inputShape: [T, F] }), ...layers()] });

const CASES: MatrixCase[] = [];
for (const [kind, make] of Object.entries(recurrent)) {
  for (const returnSequences of [false, true]) {
    CASES.push({
      name: `${kind} (returnSequences: ${returnSequences})`,
      inputShape: [T, F],
      build: seq(() => [make(returnSequences, 1)]),
    });
  }
}
CASES.push(
  {
    name: 'bidirectional(lstm), concat',
    inputShape: [T, F],
    build: seq(() => [tfl.layers.bidirectional({ layer: recurrent.lstm(false, 1) as tfl.RNN, mergeMode: 'concat' })]),
  },
  {
    name: 'bidirectional(simpleRNN, returnSequences), sum',
    inputShape: [T, F],
    build: seq(() => [
      tfl.layers.bidirectional({
        layer: tfl.layers.simpleRNN({ units: 2, returnSequences: true, ...rnnInit(1) }) as tfl.RNN,
        mergeMode: 'sum',
      }),
    ]),
  },
  {
    name: 'timeDistributed(dense tanh)',
    inputShape: [T, F],
    build: seq(() => [tfl.layers.timeDistributed({ layer: dense(2, 1) }), tfl.layers.flatten(), dense(2, 3)]),
  },
  {
    name: 'lstm(returnSequences) → simpleRNN',
    inputShape: [T, F],
    build: seq(() => [recurrent.lstm(true, 1), recurrent.simpleRNN(false, 5)]),
  },
);

describeMatrix('recurrent layers', CASES);

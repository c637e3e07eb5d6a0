import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../src/register';

// Silences the cpu backend's one-time "install tfjs-node" banner in test output.
tf.env().set('PROD', true);

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

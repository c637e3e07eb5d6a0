import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

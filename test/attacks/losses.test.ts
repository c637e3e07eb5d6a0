/** The attacks' per-sample losses on logits against their closed forms (float64). */
import * as tf from '@tensorflow/tfjs-core';
import * as jr from '../../src';
import { describeEachBackend } from '../helpers/backends';

describeEachBackend('losses', () => {
  it('on logits: CE = logSumExp(z) − z_y, margin = max_{j≠y} z_j − z_y, DLR = −(z_y − max_{j≠y} z_j)/(z_π1 − z_π3)', () => {
    const z = [
      [2, -1, 0.5, 3],
      [0, 0, 1, -2],
    ];
    const y = [0, 2];
    const expected = z.map((row, n) => {
      const others = Math.max(...row.filter((_, c) => c !== y[n]));
      const sorted = [...row].sort((a, b) => b - a);
      const lse = Math.log(row.reduce((s, t) => s + Math.exp(t), 0));
      return {
        ce: lse - row[y[n]],
        margin: others - row[y[n]],
        dlr: -(row[y[n]] - others) / (sorted[0] - sorted[2] + 1e-12),
      };
    });
    const [zt, yt] = [tf.tensor2d(z), tf.tensor1d(y, 'int32')];
    const { crossEntropy, margin, dlr } = jr.attacks.losses;
    const got = [crossEntropy, margin, dlr].map((f) => Array.from(tf.tidy(() => f(zt, yt)).dataSync()));
    expected.forEach((e, n) => {
      expect(got[0][n]).toBeCloseTo(e.ce, 5);
      expect(got[1][n]).toBeCloseTo(e.margin, 5);
      expect(got[2][n]).toBeCloseTo(e.dlr, 5);
    });
    tf.dispose([zt, yt]);
  });
});

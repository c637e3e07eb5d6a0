/**
 * ResizeNearestNeighbor / ResizeBilinear and their backprop kernels (src/autodiff/gradients/resize.ts), through
 * upSampling2d layers: orders 1 to 3 against central differences, on each backend.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { LayerCase, describeLayerCases, head } from '../../helpers/layer_cases';
import { dense } from '../../helpers/layer_matrix';

const LAYER_CASES: LayerCase[] = [
  {
    name: 'upSampling2d (nearest)',
    inputShape: [2, 3, 1],
    layers: () => [dense(2, 1, 'tanh', [2, 3, 1]), tfl.layers.upSampling2d({ size: [2, 2] }), ...head(3)],
  },
  {
    // Square input: the tfjs 4.22 cpu ResizeBilinearGrad mixes up height and width for non-square images.
    name: 'upSampling2d (bilinear, square)',
    inputShape: [2, 2, 1],
    layers: () => [
      dense(2, 1, 'tanh', [2, 2, 1]),
      tfl.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' }),
      ...head(3),
    ],
  },
];

describeLayerCases('resize layers', LAYER_CASES);

/**
 * Which layers have the input derivatives a Jacobian or Hessian penalty needs. A few have none, or none that tfjs
 * can differentiate again; asking for ∂f/∂x (or ∂²f/∂x²) through them is refused by name, before training,
 * instead of failing deep inside tfjs (or returning a zero that means nothing).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ValueError } from '../errors';

/** Layer class name → why no input derivative of the order the penalties use exists. */
const NON_DIFFERENTIABLE_LAYERS: Readonly<Record<string, string>> = {
  Embedding: 'its input is integer indices: a table lookup has no derivative w.r.t. its input',
  CategoryEncoding: 'its input is integer categories: a one-hot / count encoding has no derivative w.r.t. its input',
  MaxPooling3D:
    'tfjs has no gradient of MaxPool3DGrad, so the weight gradient of a penalty through it cannot be computed',
  AveragePooling3D:
    'tfjs has no gradient of AvgPool3DGrad, so the weight gradient of a penalty through it cannot be computed',
  CenterCrop: 'tfjs has no gradient of CropAndResize (the op it runs), not even a first-order one',
};

/** Convolutions whose `dilationRate` > 1 tfjs cannot differentiate at all (tfjs 4.22 refuses their gradients). */
const DILATED_REASON =
  'its dilationRate is > 1, and tfjs 4.22 has no gradient of a dilated convolution (not even a first-order one)';

type Node = tfl.layers.Layer & {
  layers?: tfl.layers.Layer[];
  layer?: tfl.layers.Layer;
  forwardLayer?: tfl.layers.Layer;
  backwardLayer?: tfl.layers.Layer;
  inputs?: Array<{ dtype?: string; name?: string }>;
};

/** The first layer (depth first, through nested models and wrappers) without an input derivative, with the reason. */
function findNonDifferentiable(layerOrModel: tfl.layers.Layer): { layer: tfl.layers.Layer; reason: string } | null {
  const visit = (l: Node): { layer: tfl.layers.Layer; reason: string } | null => {
    const reason = NON_DIFFERENTIABLE_LAYERS[l.getClassName()];
    if (reason != null) return { layer: l, reason };
    const dilation = (l as { dilationRate?: number | number[] }).dilationRate;
    if (dilation != null && [dilation].flat().some((d) => d > 1)) return { layer: l, reason: DILATED_REASON };
    if (l instanceof tfl.LayersModel) {
      const input = (l.inputs ?? []).find((t) => t.dtype != null && t.dtype !== 'float32');
      if (input)
        return {
          layer: l,
          reason: `its input '${input.name}' has dtype ${input.dtype}: a derivative needs float32 inputs`,
        };
    }
    const children = [...(l.layers ?? []), l.layer, l.forwardLayer, l.backwardLayer].filter(
      (c): c is tfl.layers.Layer => c != null,
    );
    for (const child of children) {
      const found = visit(child as Node);
      if (found) return found;
    }
    return null;
  };
  return visit(layerOrModel as Node);
}

/**
 * Throws a ValueError naming the first layer of `layerOrModel` that has no input derivative (an Embedding, a
 * CategoryEncoding, 3-D pooling, CenterCrop, a dilated convolution, or a non-float32 model input), and why. `where` is the public entry point that
 * asks for the derivative, e.g. 'jr.layers.regularized'.
 * @throws ValueError
 * @internal
 */
export function requireDifferentiable(where: string, layerOrModel: tfl.layers.Layer): void {
  const found = findNonDifferentiable(layerOrModel);
  if (found == null) return;
  const { layer, reason } = found;
  const self = layer === layerOrModel ? '' : ` inside '${layerOrModel.name}'`;
  throw new ValueError(
    `${where}: the layer or model must be differentiable w.r.t. its input; got ${layer.getClassName()} '${layer.name}'${self}, ` +
      `and ${reason}. Regularize a part of the network after it (e.g. wrap the layers that follow an Embedding).`,
  );
}

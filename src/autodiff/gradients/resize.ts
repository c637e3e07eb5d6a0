/**
 * Image resizing: ResizeNearestNeighbor (fixes the cpu kernel's batch > 1 gradient) and ResizeBilinear
 * re-registered with guards, and the gradients of their backprop kernels, which tfjs lacks (each backprop is linear
 * in dy, so its derivative is the forward resize).
 */
import * as tf from '@tensorflow/tfjs-core';
import { run, unsupported, zerosOf } from './common';

/** ResizeBilinear: stock gradient, refused for halfPixelCenters (the cpu grad kernel ignores that flag). */
const resizeBilinearGrad: tf.GradConfig = {
  kernelName: tf.ResizeBilinear,
  inputsToSave: ['images'],
  gradFunc: (dy, [images], attrs) => ({
    images: () => {
      if (attrs.halfPixelCenters) unsupported('ResizeBilinear', 'halfPixelCenters=true has no correct gradient kernel');
      return run(tf.ResizeBilinearGrad, { dy: dy as tf.Tensor, images }, attrs);
    },
  }),
};

/**
 * ResizeNearestNeighbor: dx = ResizeNearestNeighborGrad(dy) run one batch element at a time. The cpu grad kernel
 * offsets dy with the *image* batch stride, so stock first-order gradients are wrong for batch > 1.
 */
const resizeNearestGrad: tf.GradConfig = {
  kernelName: tf.ResizeNearestNeighbor,
  inputsToSave: ['images'],
  gradFunc: (dy, [images], attrs) => ({
    images: () => {
      if (attrs.halfPixelCenters) {
        unsupported('ResizeNearestNeighbor', 'halfPixelCenters=true has no correct gradient kernel');
      }
      const perSample = (b: number) =>
        run(
          tf.ResizeNearestNeighborGrad,
          { images: tf.slice(images, b, 1), dy: tf.slice(dy as tf.Tensor, b, 1) },
          attrs,
        );
      const n = images.shape[0];
      return n === 1
        ? perSample(0)
        : tf.concat(
            Array.from({ length: n }, (_, b) => perSample(b)),
            0,
          );
    },
  }),
};

/** ResizeNearestNeighborGrad is linear in dy; its adjoint is the forward resize: ddy = resizeNearest(ddx). */
const resizeNearestGradGrad: tf.GradConfig = {
  kernelName: tf.ResizeNearestNeighborGrad,
  inputsToSave: ['images', 'dy'],
  gradFunc: (ddx, [images, dy], attrs) => ({
    dy: () => {
      if (attrs.halfPixelCenters) unsupported('ResizeNearestNeighborGrad', 'halfPixelCenters=true');
      const size = [dy.shape[1], dy.shape[2]] as [number, number];
      return tf.image.resizeNearestNeighbor(ddx as tf.Tensor4D, size, attrs.alignCorners as boolean, false);
    },
    images: () => zerosOf(images),
  }),
};

/** ResizeBilinearGrad is linear in dy; its adjoint is the forward resize: ddy = resizeBilinear(ddx). */
const resizeBilinearGradGrad: tf.GradConfig = {
  kernelName: tf.ResizeBilinearGrad,
  inputsToSave: ['images', 'dy'],
  gradFunc: (ddx, [images, dy], attrs) => ({
    dy: () => {
      if (attrs.halfPixelCenters) unsupported('ResizeBilinearGrad', 'halfPixelCenters=true');
      const size = [dy.shape[1], dy.shape[2]] as [number, number];
      return tf.image.resizeBilinear(ddx as tf.Tensor4D, size, attrs.alignCorners as boolean, false);
    },
    images: () => zerosOf(images),
  }),
};

/**
 * The resize gradients, in registration order.
 * @internal
 */
export const RESIZE_GRADIENTS: readonly tf.GradConfig[] = [
  resizeNearestGrad,
  resizeBilinearGrad,
  resizeNearestGradGrad,
  resizeBilinearGradGrad,
];

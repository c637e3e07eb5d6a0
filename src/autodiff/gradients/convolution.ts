/**
 * The gradients tfjs lacks for convolution backprop kernels. Each backprop is bilinear in its two tensor inputs, so
 * its derivative w.r.t. one input is the forward convolution or the other backprop kernel, applied to the incoming
 * gradient and the other input (correct to any order).
 */
import * as tf from '@tensorflow/tfjs-core';
import { run } from './common';

/** DepthwiseConv2dNativeBackpropInput (bilinear in dy, filter): ddy = depthwiseConv2d(ddx, W), dW = backpropFilter(ddx, dy). */
const depthwiseBackpropInputGrad: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, [dy, filter], attrs) => {
    const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    return {
      dy: () =>
        tf.depthwiseConv2d(ddx as tf.Tensor4D, filter as tf.Tensor4D, strides, pad, 'NHWC', dilations, dimRoundingMode),
      filter: () =>
        run(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x: ddx as tf.Tensor, dy },
          { strides, pad, dilations, dimRoundingMode, filterShape: filter.shape },
        ),
    };
  },
};

/** DepthwiseConv2dNativeBackpropFilter (bilinear in x, dy): dx = backpropInput(dy, ddW), ddy = depthwiseConv2d(x, ddW). */
const depthwiseBackpropFilterGrad: tf.GradConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, [x, dy], attrs) => {
    const { strides, pad, dilations, dimRoundingMode } =
      attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    return {
      x: () =>
        run(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy, filter: ddw as tf.Tensor },
          { strides, pad, dilations, dimRoundingMode, inputShape: x.shape },
        ),
      dy: () =>
        tf.depthwiseConv2d(x as tf.Tensor4D, ddw as tf.Tensor4D, strides, pad, 'NHWC', dilations, dimRoundingMode),
    };
  },
};

/** Conv2DBackpropFilter (bilinear in x, dy): dx = conv2DBackpropInput(dy, ddW), ddy = conv2d(x, ddW). */
const conv2DBackpropFilterGrad: tf.GradConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, [x, dy], attrs) => {
    const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    return {
      x: () =>
        run(
          tf.Conv2DBackpropInput,
          { dy, filter: ddw as tf.Tensor },
          { strides, pad, dataFormat, dimRoundingMode, inputShape: x.shape },
        ),
      dy: () => tf.conv2d(x as tf.Tensor4D, ddw as tf.Tensor4D, strides, pad, dataFormat, 1, dimRoundingMode),
    };
  },
};

/** Conv3DBackpropInputV2 (bilinear in dy, filter): ddy = conv3d(ddx, W), dW = conv3DBackpropFilter(ddx, dy). */
const conv3DBackpropInputGrad: tf.GradConfig = {
  kernelName: tf.Conv3DBackpropInputV2,
  inputsToSave: ['dy', 'filter'],
  gradFunc: (ddx, [dy, filter], attrs) => {
    const { strides, pad } = attrs as unknown as tf.Conv3DBackpropInputV2Attrs;
    return {
      dy: () => tf.conv3d(ddx as tf.Tensor5D, filter as tf.Tensor5D, strides, pad),
      filter: () =>
        run(tf.Conv3DBackpropFilterV2, { x: ddx as tf.Tensor, dy }, { strides, pad, filterShape: filter.shape }),
    };
  },
};

/** Conv3DBackpropFilterV2 (bilinear in x, dy): dx = conv3DBackpropInput(dy, ddW), ddy = conv3d(x, ddW). */
const conv3DBackpropFilterGrad: tf.GradConfig = {
  kernelName: tf.Conv3DBackpropFilterV2,
  inputsToSave: ['x', 'dy'],
  gradFunc: (ddw, [x, dy], attrs) => {
    const { strides, pad } = attrs as unknown as tf.Conv3DBackpropFilterV2Attrs;
    return {
      x: () => run(tf.Conv3DBackpropInputV2, { dy, filter: ddw as tf.Tensor }, { strides, pad, inputShape: x.shape }),
      dy: () => tf.conv3d(x as tf.Tensor5D, ddw as tf.Tensor5D, strides, pad),
    };
  },
};

/**
 * The convolution backprop gradients, in registration order.
 * @internal
 */
export const CONVOLUTION_GRADIENTS: readonly tf.GradConfig[] = [
  depthwiseBackpropInputGrad,
  depthwiseBackpropFilterGrad,
  conv2DBackpropFilterGrad,
  conv3DBackpropInputGrad,
  conv3DBackpropFilterGrad,
];

/**
 * tfjs-jacobian-reg: Jacobian and Hessian regularization for TensorFlow.js by Lanczos spectral norm minimization
 * (Cui, Yan, Liu, Lu, arXiv 2212.00311).
 *
 * Importing the package re-registers some tfjs gradients globally so that second and third order derivatives are
 * correct (see docs/GRADIENT-FIXES.md); `applyGradientFixes()` is idempotent. It also gives the wasm backend the
 * kernels it lacks (Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropInput / Filter) and replaces its wrong Conv3D
 * backprop kernels and its max-pool kernels that start each window at FLT_MIN instead of −∞ (`WASM_KERNELS`; call
 * `registerWasmKernels()` again if the wasm backend is imported afterwards).
 */
import './register';

export { register } from './register';
export { ValueError } from './errors';
export { applyGradientFixes, GRADIENT_FIXES } from './autodiff/gradient_fixes';
export type { BatchFunction } from './autodiff/products';
export { gradient, vjp, jvp, hvp } from './autodiff/products';
export { noGradient } from './autodiff/no_gradient';
export { registerWasmKernels, WASM_KERNELS } from './backends/wasm';
export type { LinearOperator } from './linalg/operator';
export { dense, sizeOf, isSquare } from './linalg/operator';
export { jacobianOperator } from './linalg/operators/jacobian';
export { hessianOperator } from './linalg/operators/hessian';
export { difference } from './linalg/operators/difference';
export type { Target, TargetName, UserOperator } from './linalg/targets/index';
export {
  TARGETS,
  resolveTarget,
  zeroTarget,
  identityTarget,
  transposeTarget,
  rowSumDiagonalTarget,
  userTarget,
} from './linalg/targets/index';
export type { LanczosOptions, LanczosResult, RitzPair } from './linalg/lanczos';
export { lanczos, topRitzPair } from './linalg/lanczos';
export type { PowerIterationResult } from './linalg/power_iteration';
export { powerIteration } from './linalg/power_iteration';
export type { Which, EigenPairs } from './linalg/symmetric_eigen';
export { symmetricEigen } from './linalg/symmetric_eigen';
export type { Method, Space, SpectralNormOptions, SpectralNormEstimate } from './linalg/spectral_norm';
export { METHODS, chooseSpace, estimateSpectralNorm, randomProjections } from './linalg/spectral_norm';
export type { PenaltyOptions } from './penalty/spectral';
export { spectralPenalty } from './penalty/spectral';
export type { DerivativePenalty, DerivativePenaltyOptions } from './penalty/derivative';
export { jacobianPenalty, hessianPenalty, operatorPenalty } from './penalty/derivative';

export { regularizers, layers, callbacks, io } from './keras/exports';
export { attacks } from './attacks/index';
export type {
  AttackName,
  EvaluateOptions,
  EvaluationResult,
  Norm,
  Loss,
  Clip,
  LogitsOption,
  AttackOptions,
  ApgdOptions,
  PgdOptions,
  SquareOptions,
  AccuracyOptions,
} from './attacks/index';
export type { Schedule, PiecewiseConstant } from './keras/schedule';
export { scheduleValue } from './keras/schedule';
export type {
  DerivativeRegularizerArgs,
  HessianRegularizerArgs,
  HessianScalar,
  RegularizerContext,
  StepPenalty,
  WeightedPenalty,
} from './keras/regularizer';
export { DerivativeRegularizer, JacobianRegularizer, HessianRegularizer, MAX_ITERATIONS } from './keras/regularizer';
export type { RegularizedArgs, Estimates } from './keras/regularized';
export { Regularized, findRegularized } from './keras/regularized';
export { linearizedJacobian } from './keras/linearized_jacobian';
export { logitsOf } from './keras/logits';
export type { RegularizationCallbackArgs, RegularizationCallbackConfig, DatasetLike } from './keras/callback';
export { RegularizationCallback } from './keras/callback';
export type { FileSystemOptions } from './io/file_system';
export { fileSystem } from './io/file_system';


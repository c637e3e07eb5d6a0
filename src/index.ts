/**
 * tfjs-jacobian-reg: Jacobian and Hessian regularization for TensorFlow.js by Lanczos spectral norm minimization
 * (Cui, Yan, Liu, Lu, arXiv 2212.00311).
 *
 * Importing the package changes tfjs globally, once (src/register.ts): corrected higher-order gradients, wasm
 * kernels, the package's serializable classes and, in Node, a `file://` router. `register()` re-applies them (e.g.
 * after importing the wasm backend later); `unregister()` undoes them. This file only exports.
 */
import './register';

export { register, unregister } from './register';
export { ValueError } from './errors';

// Floor 1: autodiff products and the gradient fixes; backend kernels.
export { GRADIENT_FIXES } from './autodiff/gradients/index';
export type { BatchFunction } from './autodiff/products';
export { gradient, vjp, jvp, hvp } from './autodiff/products';
export { noGradient } from './autodiff/no_gradient';
export { WASM_KERNELS } from './backends/wasm/index';

// Floor 2: linear algebra.
export type { LinearOperator } from './linalg/operator';
export { dense } from './linalg/operator';
export { jacobianOperator } from './linalg/operators/jacobian';
export { hessianOperator } from './linalg/operators/hessian';
export { difference } from './linalg/operators/difference';
export type { Target, TargetName, UserOperator } from './linalg/targets/index';
export { zeroTarget, identityTarget, transposeTarget, rowSumDiagonalTarget, userTarget } from './linalg/targets/index';
export type { LanczosOptions, LanczosResult } from './linalg/lanczos';
export { lanczos } from './linalg/lanczos';
export type { Which } from './linalg/symmetric_eigen';
export type { PowerIterationOptions, PowerIterationResult } from './linalg/power_iteration';
export { powerIteration } from './linalg/power_iteration';
export type { Method, Space, SpectralNormOptions, SpectralNormEstimate } from './linalg/spectral_norm';
export { METHODS, estimateSpectralNorm } from './linalg/spectral_norm';

// Floor 3: penalties.
export type { PenaltyOptions } from './penalty/spectral';
export { spectralPenalty } from './penalty/spectral';
export type { DerivativePenalty, DerivativePenaltyOptions } from './penalty/derivative';
export { jacobianPenalty, hessianPenalty, operatorPenalty } from './penalty/derivative';

// Floor 4: Keras adapters.
export { regularizers, layers, callbacks, io } from './keras/exports';
export type { Schedule, PiecewiseConstant } from './keras/schedule';
export type {
  DerivativeRegularizerArgs,
  RegularizerContext,
  StepPenalty,
  WeightedPenalty,
} from './keras/regularizer_args';
export { MAX_ITERATIONS } from './keras/regularizer_args';
export { DerivativeRegularizer } from './keras/regularizer';
export { JacobianRegularizer } from './keras/jacobian_regularizer';
export type { HessianRegularizerArgs, HessianScalar } from './keras/hessian_regularizer';
export { HessianRegularizer } from './keras/hessian_regularizer';
export type { RegularizedArgs, Estimates } from './keras/regularized';
export { Regularized, findRegularized } from './keras/regularized';
export { linearizedJacobian } from './keras/linearized_jacobian';
export { logitsOf } from './keras/logits';
export type { RegularizationCallbackArgs, RegularizationCallbackConfig } from './keras/callback_args';
export type { DatasetLike, BatchData } from './keras/batches';
export { RegularizationCallback } from './keras/callback';
export type { FileSystemOptions } from './io/file_system';
export { fileSystem } from './io/file_system';

// Attacks and evaluation.
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

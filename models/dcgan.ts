/**
 * DCGAN (Radford et al. 2016) with the non-saturating BCE loss, optional one-sided label
 * smoothing (Salimans et al. 2016), an optional R1 penalty on D (Mescheder et al. 2018: r1Gamma),
 * optional class conditioning (G: label embedding; D: projection) and the shared GAN options. One trainStep = one D update then one G update on the
 * same latents, as in the PyTorch DCGAN example. trainParts updates D alone or G alone (the
 * classroom's step mode); both together is trainStep.
 */
import * as tf from '@tensorflow/tfjs';
import { globalNorm } from './core/adam';
import { packMetrics } from './core/base';
import { rawWeights } from './core/params';
import { SeedPurpose, stepSeed } from './core/seeds';
import { ConvGan, Kept } from './convGan';
import { r1Penalty } from './layers/gradientPenalty';
import type { DcganConfig, GenerativeModel, StepResult } from './types';

export const DCGAN_METRICS = ['lossD', 'lossG', 'dReal', 'dFake', 'gradNormD', 'gradNormG'] as const;

/** Mean binary cross-entropy of logits against a constant target, in the stable softplus form. */
export function bceWithLogits(logits: tf.Tensor, target: number): tf.Scalar {
  return tf.softplus(logits).sub(logits.mul(target)).mean() as tf.Scalar;
}

export class Dcgan extends ConvGan<DcganConfig> implements GenerativeModel<DcganConfig> {
  readonly metricNames = DCGAN_METRICS;

  constructor(config: DcganConfig) {
    // The R1 penalty differentiates D twice.
    super(config, 'dcgan', config.discriminatorBatchNorm, (config.r1Gamma ?? 0) > 0);
  }

  trainStep(real: tf.Tensor4D, labels: tf.Tensor1D | null): StepResult {
    return this.trainParts(real, labels, { d: true, g: true });
  }

  /**
   * One step that updates D, G or both. Both losses and gradient norms are always computed and
   * reported (a part that is not updated still shows its gradient); an update left out leaves
   * that network's weights, optimiser slots and running statistics untouched. The step count
   * advances either way, so each call draws fresh latents.
   */
  trainParts(real: tf.Tensor4D, labels: tf.Tensor1D | null, parts: { d: boolean; g: boolean }): StepResult {
    this.checkBatch(real, labels);
    const step = this.currentStep;
    const { seed, batchSize, latentDim, labelSmoothing } = this.config;
    const r1Gamma = this.config.r1Gamma ?? 0;
    const kept = new Kept();
    const metrics = tf.tidy(() => {
      const y = this.oneHot(labels);
      const gWeights = rawWeights(this.store);
      const z = tf.randomNormal([batchSize, latentDim], 0, 1, 'float32', stepSeed(seed, step, SeedPurpose.latent)) as tf.Tensor2D;
      // Running statistics of G's batch norm move only when G is trained.
      const fake = this.generator.forward(z, y, gWeights, parts.g ? 'train-track' : 'train');
      const dWeights = this.discriminatorWeights();
      const realSeen = this.augment(real, step, SeedPurpose.augmentReal);
      const fakeSeen = this.augment(fake, step, SeedPurpose.augmentFake);

      let dReal!: tf.Tensor;
      let dFake!: tf.Tensor;
      let lossD!: tf.Scalar;
      const d = tf.variableGrads(() => {
        const realLogits = this.discriminator.forward(realSeen, y, dWeights);
        const fakeLogits = this.discriminator.forward(fakeSeen, y, dWeights);
        dReal = kept.keep(tf.sigmoid(realLogits).mean());
        dFake = kept.keep(tf.sigmoid(fakeLogits).mean());
        const loss = bceWithLogits(realLogits, 1 - labelSmoothing).add(bceWithLogits(fakeLogits, 0)) as tf.Scalar;
        lossD = kept.keep(loss);
        if (!(r1Gamma > 0)) return loss;
        const penalty = r1Penalty((x) => this.discriminator.forward(x, y, dWeights), realSeen);
        return loss.add(penalty.mul(r1Gamma / 2)) as tf.Scalar;
      }, this.dOpt.variables());
      if (parts.d) this.dOpt.apply(d.grads);

      const g = tf.variableGrads(() => {
        const fresh = this.generator.forward(z, y, gWeights, 'train');
        const logits = this.discriminator.forward(this.augment(fresh, step, SeedPurpose.augmentGenerator), y, dWeights);
        return bceWithLogits(logits, 1);
      }, this.gOpt.variables());
      if (parts.g) {
        this.gOpt.apply(g.grads);
        this.ema?.update(step);
      }

      return packMetrics(this.metricNames, {
        // The BCE alone, so the curve means the same with and without the R1 penalty.
        lossD,
        lossG: g.value,
        dReal,
        dFake,
        gradNormD: globalNorm(d.grads),
        gradNormG: globalNorm(g.grads),
      });
    });
    kept.release();
    this.currentStep = step + 1;
    return { step, metrics };
  }

  /** D's probability that each image is real, [n] (no update). labels: int32 or null. */
  score(images: tf.Tensor4D, labels: tf.Tensor1D | null): tf.Tensor1D {
    this.assertLive();
    return tf.tidy(() => tf.sigmoid(this.discriminator.forward(images, this.oneHot(labels), this.discriminatorWeights())) as tf.Tensor1D);
  }

  /** Sets D's and G's learning rates (kept in memory only: exportState still records config.adam). */
  setLearningRates(rates: { d: number; g: number }): void {
    this.dOpt.setLearningRate(rates.d);
    this.gOpt.setLearningRate(rates.g);
  }
}

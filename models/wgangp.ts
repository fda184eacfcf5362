/**
 * Conditional WGAN-GP (Gulrajani et al. 2017): a critic without batch norm, with projection
 * conditioning (Miyato & Koyama 2018), trained with the gradient penalty on random interpolates;
 * G(z, y) takes a label embedding. One trainStep = one critic update on the given real batch;
 * every nCritic-th step also updates G (so nCritic steps consume nCritic real batches, as in
 * the reference implementation).
 */
import * as tf from '@tensorflow/tfjs';
import { globalNorm } from './core/adam';
import { packMetrics } from './core/base';
import { rawWeights } from './core/params';
import { SeedPurpose, stepSeed } from './core/seeds';
import { ConvGan, Kept } from './convGan';
import { gradientPenalty } from './layers/gradientPenalty';
import type { GenerativeModel, StepResult, WganGpConfig } from './types';

/**
 * wasserstein = mean D(real) − mean D(fake) (the critic's estimate); inputGradNorm is the mean
 * per-sample ‖∇x̂ D‖. On steps without a G update, lossG = −mean D(fake) of this step's fakes
 * under the pre-update critic, gradNormG is NaN (no G gradient was taken) and gUpdated is 0.
 */
export const WGAN_GP_METRICS = [
  'lossD',
  'lossG',
  'gp',
  'wasserstein',
  'dReal',
  'dFake',
  'inputGradNorm',
  'gradNormD',
  'gradNormG',
  'gUpdated',
] as const;

export class WganGp extends ConvGan<WganGpConfig> implements GenerativeModel<WganGpConfig> {
  readonly metricNames = WGAN_GP_METRICS;

  constructor(config: WganGpConfig) {
    // No batch norm in the critic: it would couple samples and break the per-sample penalty.
    super(config, 'he', false, true);
  }

  trainStep(real: tf.Tensor4D, labels: tf.Tensor1D | null): StepResult {
    this.checkBatch(real, labels);
    const step = this.currentStep;
    const { seed, batchSize, latentDim, gpWeight, nCritic } = this.config;
    const updateG = (step + 1) % nCritic === 0;
    const kept = new Kept();
    const metrics = tf.tidy(() => {
      const y = this.oneHot(labels);
      const gWeights = rawWeights(this.store);
      const latent = (purpose: number) =>
        tf.randomNormal([batchSize, latentDim], 0, 1, 'float32', stepSeed(seed, step, purpose)) as tf.Tensor2D;
      const fake = this.generator.forward(latent(SeedPurpose.latent), y, gWeights, 'train-track');
      const dWeights = this.discriminatorWeights();
      const critic = (x: tf.Tensor4D) => this.discriminator.forward(x, y, dWeights);
      const realSeen = this.augment(real, step, SeedPurpose.augmentReal);
      const fakeSeen = this.augment(fake, step, SeedPurpose.augmentFake);

      const reported: Record<string, tf.Tensor> = {};
      const d = tf.variableGrads(() => {
        const dReal = critic(realSeen).mean();
        const dFake = critic(fakeSeen).mean();
        const { penalty, norms } = gradientPenalty(critic, realSeen, fakeSeen, stepSeed(seed, step, SeedPurpose.interpolation));
        const wasserstein = dReal.sub(dFake);
        reported.dReal = kept.keep(dReal);
        reported.dFake = kept.keep(dFake);
        reported.gp = kept.keep(penalty);
        reported.wasserstein = kept.keep(wasserstein);
        reported.inputGradNorm = kept.keep(norms.mean());
        return wasserstein.neg().add(penalty.mul(gpWeight)) as tf.Scalar;
      }, this.dOpt.variables());
      this.dOpt.apply(d.grads);

      let lossG: tf.Tensor = reported.dFake.neg();
      let gradNormG: tf.Tensor = tf.scalar(NaN);
      if (updateG) {
        const g = tf.variableGrads(() => {
          const fresh = this.generator.forward(latent(SeedPurpose.generatorLatent), y, gWeights, 'train');
          return critic(this.augment(fresh, step, SeedPurpose.augmentGenerator)).mean().neg() as tf.Scalar;
        }, this.gOpt.variables());
        this.gOpt.apply(g.grads);
        this.ema?.update(Math.floor(step / nCritic));
        lossG = g.value;
        gradNormG = globalNorm(g.grads);
      }
      return packMetrics(this.metricNames, {
        ...reported,
        lossD: d.value,
        lossG,
        gradNormD: globalNorm(d.grads),
        gradNormG,
        gUpdated: tf.scalar(updateG ? 1 : 0),
      });
    });
    kept.release();
    this.currentStep = step + 1;
    return { step, metrics };
  }
}

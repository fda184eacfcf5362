/**
 * Convolutional VAE (Kingma & Welling 2014) with the β-VAE weight on the KL term (Higgins et
 * al. 2017). The decoder is the DCGAN generator, so GANs and VAEs compared in class differ in
 * objective, not in architecture. Reconstruction is the per-image sum of squared errors in
 * [-1, 1] (a Gaussian likelihood with fixed variance, up to a constant); KL is against N(0, I).
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, globalNorm } from './core/adam';
import { ModelBase, checkLabels, packMetrics } from './core/base';
import { rawWeights, type Weights } from './core/params';
import { SeedPurpose, stepSeed } from './core/seeds';
import { conv, dense, leakyReluFirstOrder, oneHot } from './layers/basic';
import { Generator, pyramid } from './nets/convNets';
import type { GenerateOptions, GenerativeModel, StepResult, VaeConfig } from './types';

/** loss = recon + β·kl (per image); mse is the per-pixel mean squared error, for reading. */
export const VAE_METRICS = ['loss', 'recon', 'kl', 'mse', 'gradNorm'] as const;

class Encoder {
  private readonly levels: number;
  private readonly names: string[] = [];
  private readonly featureDim: number;

  constructor(
    store: VaeStoreLike,
    private readonly config: VaeConfig,
  ) {
    const { start, steps } = pyramid(config.resolution);
    this.levels = steps;
    for (let j = 0; j < steps; j++) {
      const cin = j === 0 ? config.channels : config.width * 2 ** (j - 1);
      const cout = config.width * 2 ** j;
      this.add(store, `E/down${j}/w`, [4, 4, cin, cout], 16 * cin);
      store.add(`E/down${j}/b`, [cout], { kind: 'zeros' });
      this.names.push(`E/down${j}/b`);
    }
    this.featureDim = start * start * config.width * 2 ** (steps - 1);
    const headIn = this.featureDim + config.numClasses;
    this.add(store, 'E/head/w', [headIn, 2 * config.latentDim], headIn, 1);
    store.add('E/head/b', [2 * config.latentDim], { kind: 'zeros' });
    this.names.push('E/head/b');
  }

  trainableNames(): string[] {
    return [...this.names];
  }

  /** Returns the posterior mean and log-variance, each [n, latentDim]. */
  forward(x: tf.Tensor4D, labels: tf.Tensor2D | null, w: Weights): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    let h = x;
    for (let j = 0; j < this.levels; j++) h = leakyReluFirstOrder(conv(h, w(`E/down${j}/w`), 2, w(`E/down${j}/b`))) as tf.Tensor4D;
    let features = h.reshape([x.shape[0], this.featureDim]) as tf.Tensor2D;
    if (labels) features = tf.concat([features, labels], 1);
    const out = dense(features, w('E/head/w'), w('E/head/b'));
    const [mu, logVar] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    return { mu, logVar };
  }

  private add(store: VaeStoreLike, name: string, shape: number[], fanIn: number, gain?: number): void {
    store.add(name, shape, { kind: 'he', fanIn, gain });
    this.names.push(name);
  }
}

type VaeStoreLike = ModelBase<VaeConfig>['store'];

export class Vae extends ModelBase<VaeConfig> implements GenerativeModel<VaeConfig> {
  readonly metricNames = VAE_METRICS;
  readonly encoder: Encoder;
  readonly decoder: Generator;
  private readonly opt: Adam;

  constructor(config: VaeConfig) {
    super(config);
    this.encoder = new Encoder(this.store, config);
    const { resolution, channels, latentDim, numClasses, width } = config;
    this.decoder = new Generator(
      this.store,
      { resolution, channels, latentDim, numClasses, width, attentionResolution: null, init: 'he' },
      'Dec',
    );
    this.opt = new Adam(this.store, 'adam', [...this.encoder.trainableNames(), ...this.decoder.trainableNames()], config.adam);
    this.optimisers.push(this.opt);
  }

  trainStep(real: tf.Tensor4D, labels: tf.Tensor1D | null): StepResult {
    this.checkBatch(real, labels);
    const step = this.currentStep;
    const { seed, beta, numClasses } = this.config;
    const metrics = tf.tidy(() => {
      const w = rawWeights(this.store);
      const y = labels ? oneHot(labels, numClasses) : null;
      const noise = tf.randomNormal([real.shape[0], this.config.latentDim], 0, 1, 'float32', stepSeed(seed, step, SeedPurpose.reparameterisation));
      const parts: Record<string, tf.Tensor> = {};
      const { value, grads } = tf.variableGrads(() => {
        const { mu, logVar } = this.encoder.forward(real, y, w);
        const z = mu.add(logVar.mul(0.5).exp().mul(noise)) as tf.Tensor2D;
        const recon = this.decoder.forward(z, y, w, 'train-track');
        const sse = real.sub(recon).square().sum([1, 2, 3]).mean();
        const kl = logVar.add(1).sub(mu.square()).sub(logVar.exp()).sum(1).mean().mul(-0.5);
        parts.recon = tf.keep(sse);
        parts.kl = tf.keep(kl);
        return sse.add(kl.mul(beta)) as tf.Scalar;
      }, this.opt.variables());
      this.opt.apply(grads);
      const pixels = real.size / real.shape[0];
      const out = packMetrics(this.metricNames, {
        ...parts,
        loss: value,
        mse: parts.recon.div(pixels),
        gradNorm: globalNorm(grads),
      });
      for (const t of Object.values(parts)) t.dispose();
      return out;
    });
    this.currentStep = step + 1;
    return { step, metrics };
  }

  generate(z: tf.Tensor2D, labels: tf.Tensor1D | null, opts: GenerateOptions = {}): tf.Tensor4D {
    this.assertLive();
    if (opts.ema) throw new Error('models/vae.ts: the VAE keeps no EMA weights');
    checkLabels('models/vae.ts: generate', labels, z.shape[0], this.config.numClasses);
    return tf.tidy(() => this.decoder.forward(z, labels ? oneHot(labels, this.config.numClasses) : null, rawWeights(this.store), 'eval'));
  }

  /**
   * KL(q(z|x) ‖ N(0, 1)) of each latent dimension, averaged over the images, [latentDim] (its sum
   * is the `kl` metric). A dimension near 0 carries no information about the image: the decoder
   * ignores it (posterior collapse when every dimension is near 0).
   */
  klPerDimension(x: tf.Tensor4D, labels: tf.Tensor1D | null): tf.Tensor1D {
    this.assertLive();
    checkLabels('models/vae.ts: klPerDimension', labels, x.shape[0], this.config.numClasses);
    return tf.tidy(() => {
      const y = labels ? oneHot(labels, this.config.numClasses) : null;
      const { mu, logVar } = this.encoder.forward(x, y, rawWeights(this.store));
      return logVar.add(1).sub(mu.square()).sub(logVar.exp()).mean(0).mul(-0.5) as tf.Tensor1D;
    });
  }

  /** The posterior mean μ(x) of each image, [n, latentDim]: the point in latent space the image encodes to. */
  encode(x: tf.Tensor4D, labels: tf.Tensor1D | null): tf.Tensor2D {
    this.assertLive();
    checkLabels('models/vae.ts: encode', labels, x.shape[0], this.config.numClasses);
    return tf.tidy(() => this.encoder.forward(x, labels ? oneHot(labels, this.config.numClasses) : null, rawWeights(this.store)).mu as tf.Tensor2D);
  }

  /**
   * Walks the latent space between two images: decodes `steps` evenly spaced points on the straight
   * line from the posterior mean of pair[0] to that of pair[1] (the ends are their reconstructions),
   * in [-1, 1]. A VAE whose codes fill the prior morphs smoothly; gaps in the code space show as
   * implausible images midway.
   */
  interpolate(pair: tf.Tensor4D, steps: number): tf.Tensor4D {
    this.assertLive();
    if (pair.shape[0] !== 2) throw new Error(`models/vae.ts: interpolate needs two images, got ${pair.shape[0]}`);
    if (!Number.isInteger(steps) || steps < 2 || steps > 64) throw new Error(`models/vae.ts: interpolate needs 2 to 64 steps, got ${steps}`);
    if (this.config.numClasses > 0) throw new Error('models/vae.ts: interpolate is for unconditional VAEs');
    return tf.tidy(() => {
      const w = rawWeights(this.store);
      const mu = this.encoder.forward(pair, null, w).mu;
      const s = tf.tensor2d(Array.from({ length: steps }, (_, i) => i / (steps - 1)), [steps, 1]);
      const a = mu.slice([0, 0], [1, -1]);
      const b = mu.slice([1, 0], [1, -1]);
      const codes = a.mul(tf.sub(1, s)).add(b.mul(s)) as tf.Tensor2D;
      return this.decoder.forward(codes, null, w, 'eval');
    });
  }

  /** Decodes the posterior mean of each image: the VAE's reconstruction, in [-1, 1]. */
  reconstruct(x: tf.Tensor4D, labels: tf.Tensor1D | null): tf.Tensor4D {
    this.assertLive();
    checkLabels('models/vae.ts: reconstruct', labels, x.shape[0], this.config.numClasses);
    return tf.tidy(() => {
      const y = labels ? oneHot(labels, this.config.numClasses) : null;
      const w = rawWeights(this.store);
      return this.decoder.forward(this.encoder.forward(x, y, w).mu, y, w, 'eval');
    });
  }
}

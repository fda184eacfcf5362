/**
 * An npz (test helper) of 200 training, 40 validation and 20 test head CTs at 64 px with planted leaks:
 * val[5] is train[17] with a little noise (re-saved), val[9] is train[30] brighter and with more
 * contrast (re-windowed), test[3] an exact copy of train[50].
 */
import { generatePhantoms } from '../data/phantom';
import { Random } from '../../models/core/random';
import { npzOf } from '../importers/testing/fuzz/fixtures';

const SIZE = 64;

export function plantedNpz() {
  const train = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 200, seed: 11 });
  const val = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 40, seed: 12 });
  const test = generatePhantoms({ modality: 'head-ct', size: SIZE, count: 20, seed: 13 });
  const per = SIZE * SIZE;
  const image = (set: Uint8Array, i: number) => set.subarray(i * per, (i + 1) * per);
  const random = new Random(5);
  // val[5]: train[17] with a little noise (re-saved, re-scanned); val[9]: train[30] brighter and with more contrast (re-windowed).
  val.images.set(image(train.images, 17).map((v) => Math.min(255, Math.max(0, Math.round(v + 2 * random.normal())))), 5 * per);
  val.images.set(image(train.images, 30).map((v) => Math.min(255, Math.round(v * 1.08 + 6))), 9 * per);
  test.images.set(image(train.images, 50), 3 * per);
  const npz = npzOf({
    train_images: { data: train.images, shape: [200, SIZE, SIZE] },
    train_labels: { data: train.labels, shape: [200, 1] },
    val_images: { data: val.images, shape: [40, SIZE, SIZE] },
    val_labels: { data: val.labels, shape: [40, 1] },
    test_images: { data: test.images, shape: [20, SIZE, SIZE] },
    test_labels: { data: test.labels, shape: [20, 1] },
  });
  return { npz, train, val, per };
}

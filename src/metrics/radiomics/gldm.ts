/**
 * Grey-level dependence matrix features (pyradiomics RadiomicsGLDM, α = 0, distance 1): for each
 * pixel, the dependence is 1 + the number of its 8 neighbours with the same grey level, as
 * pyradiomics counts it (its j vector starts at 1 for "no dependent neighbour").
 */
import { allocateLevelSizeCounts, levelSizeFeatures, sparseFromDense, type LevelSizeFeatures } from './sizeZoneStats';

export type GldmFeatures = LevelSizeFeatures;

const MAX_DEPENDENCE = 9;

export class GldmCalculator {
  private readonly dense: Float64Array;
  private readonly sparse;
  private readonly levelTotals: Float64Array;
  private readonly sizeTotals = new Float64Array(MAX_DEPENDENCE + 1);
  private readonly dependent: Uint8Array;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly levels: number,
  ) {
    this.dense = new Float64Array(levels * MAX_DEPENDENCE);
    this.sparse = allocateLevelSizeCounts(levels * MAX_DEPENDENCE);
    this.levelTotals = new Float64Array(levels + 1);
    this.dependent = new Uint8Array(width * height);
  }

  compute(image: Uint8Array): GldmFeatures {
    const { dense, dependent, width, height } = this;
    dependent.fill(0);
    // Each equal neighbour pair is found once, from its first pixel in raster order (E, SW, S,
    // SE), and counts for both pixels: half the comparisons of visiting all 8 neighbours.
    for (let r = 0; r < height; r++) {
      const below = r + 1 < height;
      for (let c = 0; c < width; c++) {
        const p = r * width + c;
        const v = image[p];
        if (c + 1 < width && image[p + 1] === v) {
          dependent[p]++;
          dependent[p + 1]++;
        }
        if (!below) continue;
        const q = p + width;
        if (c > 0 && image[q - 1] === v) {
          dependent[p]++;
          dependent[q - 1]++;
        }
        if (image[q] === v) {
          dependent[p]++;
          dependent[q]++;
        }
        if (c + 1 < width && image[q + 1] === v) {
          dependent[p]++;
          dependent[q + 1]++;
        }
      }
    }
    dense.fill(0);
    for (let p = 0; p < image.length; p++) dense[image[p] * MAX_DEPENDENCE + dependent[p]]++;
    sparseFromDense(dense, this.levels, MAX_DEPENDENCE, 1, this.sparse);
    return levelSizeFeatures(this.sparse, this.levelTotals, this.sizeTotals);
  }
}

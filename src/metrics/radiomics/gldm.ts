/**
 * Grey-level dependence matrix features (pyradiomics RadiomicsGLDM, α = 0, distance 1): for each
 * pixel, the dependence is 1 + the number of its 8 neighbours with the same grey level, as
 * pyradiomics counts it (its j vector starts at 1 for "no dependent neighbour").
 */
import { buildNeighbourTable, type NeighbourTable } from './neighbourhood';
import { allocateLevelSizeCounts, levelSizeFeatures, sparseFromDense, type LevelSizeFeatures } from './sizeZoneStats';

export type GldmFeatures = LevelSizeFeatures;

const MAX_DEPENDENCE = 9;

export class GldmCalculator {
  private readonly dense: Float64Array;
  private readonly sparse;
  private readonly levelTotals: Float64Array;
  private readonly sizeTotals = new Float64Array(MAX_DEPENDENCE + 1);
  private readonly neighbours: NeighbourTable;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly levels: number,
  ) {
    this.dense = new Float64Array(levels * MAX_DEPENDENCE);
    this.sparse = allocateLevelSizeCounts(levels * MAX_DEPENDENCE);
    this.levelTotals = new Float64Array(levels + 1);
    this.neighbours = buildNeighbourTable(width, height);
  }

  compute(image: Uint8Array): GldmFeatures {
    const { dense } = this;
    const { start, indices } = this.neighbours;
    dense.fill(0);
    for (let p = 0; p < image.length; p++) {
      const v = image[p];
      let dependent = 0;
      for (let k = start[p]; k < start[p + 1]; k++) if (image[indices[k]] === v) dependent++;
      dense[v * MAX_DEPENDENCE + dependent]++;
    }
    sparseFromDense(dense, this.levels, MAX_DEPENDENCE, (col) => col + 1, this.sparse);
    return levelSizeFeatures(this.sparse, this.levelTotals, this.sizeTotals);
  }
}

import { IndexError, type VectorIndex } from '../catalog/ann.js';
import { DEFAULT_INDEX, isIndexKind, openIndexFile, parseIndexKind, type IndexKind } from '../catalog/index-files.js';
import { Catalog, META } from '../catalog/store.js';
import { DEFAULT_WEIGHTS, FEATURE_VERSION, SEGMENT_HOP_S, SEGMENT_WINDOW_S, VECTOR_LENGTH } from '../features/vector.js';
import { statsFromJson } from '../features/standardise.js';
import type { BlockWeights, FeatureStats } from '../features/types.js';

/** A catalogue that cannot be used as it is; the message says what to run. */
export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

/** Everything a query needs from a built catalogue, opened read-only. */
export interface CatalogView {
  catalog: Catalog;
  tracks: VectorIndex;
  segments: VectorIndex;
  trackStats: FeatureStats;
  segmentStats: FeatureStats;
  weights: BlockWeights;
  /** What the segment index was built with. */
  segmentWeights: BlockWeights;
  window_s: number;
  hop_s: number;
  /** The backend the indexes were opened with. */
  index: IndexKind;
  close(): void;
}

export interface ViewOptions {
  /** Backend to query; default: the one the catalogue was built with (meta `index`). */
  index?: IndexKind | string;
  /** Annoy's search_k (candidates per query); more is slower and more exact. */
  searchK?: number;
}

export function openCatalogView(dataDir: string, opts: ViewOptions = {}): CatalogView {
  let catalog: Catalog;
  try {
    catalog = Catalog.open(dataDir, { readonly: true });
  } catch (err) {
    throw new CatalogError((err as Error).message);
  }
  try {
    const version = catalog.getMeta(META.featureVersion);
    if (version === null) {
      throw new CatalogError(`The catalogue in ${dataDir} has no index yet: run \`groovematch index <dir> --data ${dataDir}\`.`);
    }
    if (version !== FEATURE_VERSION) {
      throw new CatalogError(
        `The catalogue in ${dataDir} was built with feature version ${version}, but this groovematch uses ` +
          `${FEATURE_VERSION}: re-index with \`groovematch index <dir> --data ${dataDir}\`.`,
      );
    }
    const ts = catalog.getMeta(META.trackStats);
    const ss = catalog.getMeta(META.segmentStats);
    if (!ts || !ss) throw new CatalogError(`The catalogue in ${dataDir} is incomplete: re-run \`groovematch index\`.`);
    const weightsText = catalog.getMeta(META.weights);
    const built = catalog.getMeta(META.index);
    let kind: IndexKind;
    let tracks: VectorIndex;
    let segments: VectorIndex | undefined;
    try {
      kind = opts.index !== undefined ? parseIndexKind(opts.index) : isIndexKind(built) ? built : DEFAULT_INDEX;
      tracks = openIndexFile(catalog.dataDir, 'tracks', kind, VECTOR_LENGTH, opts);
      try {
        segments = openIndexFile(catalog.dataDir, 'segments', kind, VECTOR_LENGTH, opts);
      } finally {
        if (!segments) tracks.close();
      }
    } catch (err) {
      if (err instanceof IndexError) throw new CatalogError(err.message);
      throw err;
    }
    return {
      catalog,
      tracks,
      segments,
      trackStats: statsFromJson(ts),
      segmentStats: statsFromJson(ss),
      weights: weightsText ? (JSON.parse(weightsText) as BlockWeights) : DEFAULT_WEIGHTS,
      segmentWeights: JSON.parse(catalog.getMeta(META.segmentWeights) ?? weightsText ?? JSON.stringify(DEFAULT_WEIGHTS)) as BlockWeights,
      window_s: Number(catalog.getMeta(META.segmentWindowS) ?? SEGMENT_WINDOW_S),
      hop_s: Number(catalog.getMeta(META.segmentHopS) ?? SEGMENT_HOP_S),
      index: kind,
      close() {
        tracks.close();
        segments.close();
        catalog.close();
      },
    };
  } catch (err) {
    catalog.close();
    throw err;
  }
}

export { radiomicsFeatures, radiomicsFeatureNames, checkRadiomicsInput, FEATURE_TABLE, type RadiomicsOptions, type RadiomicsResult } from './features';
export { frechetRadiomicsDistance, normaliseToReal, type NormalisedPair } from './frd';
export { graycomatrix, graycoprops, GLCM_OFFSETS, type GlcmProps } from './glcm';
export { quantiseFixed, quantiseMinMax } from './quantise';

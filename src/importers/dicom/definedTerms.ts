/**
 * The DICOM attributes that reach a dataset's stored attributes are code strings, but a code
 * string can hold anything a sender typed ("MODPHIQX", a name, a note). Only values from each
 * attribute's defined terms in PS3.3 are kept; anything else is dropped, never stored verbatim.
 */

/** Modality (0008,0060), PS3.3 C.7.3.1.1.1 (current terms; retired ones are not expected in images). */
const MODALITIES = new Set(
  ('AR ASMT AU BDUS BI BMD CFM CR CT CTPROTOCOL DMS DG DOC DX ECG EEG EMG EOG EPS ES FID GM HC HD IO IOL IVOCT IVUS KER KO LEN LS MG MR M3D NM ' +
    'OAM OCT OP OPM OPT OPTBSV OPTENF OPV OSS OT PA PLAN POS PR PT PX REG RESP RF RG RTDOSE RTIMAGE RTINTENT RTPLAN RTRAD RTRECORD RTSEGANN ' +
    'RTSTRUCT RWV SEG SM SMR SR SRF STAIN TEXTUREMAP TG US VA XA XAPROTOCOL XC').split(' '),
);

/** Photometric Interpretation (0028,0004), PS3.3 C.7.6.3.1.2 (including retired terms a decoder may meet). */
const PHOTOMETRIC = new Set(['MONOCHROME1', 'MONOCHROME2', 'PALETTE COLOR', 'RGB', 'HSV', 'ARGB', 'CMYK', 'YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422', 'YBR_PARTIAL_420', 'YBR_ICT', 'YBR_RCT', 'XYB']);

/** The modality when it is a defined term, else undefined. */
export function definedModality(value: string | undefined): string | undefined {
  const term = value?.trim().toUpperCase();
  return term && MODALITIES.has(term) ? term : undefined;
}

/** The photometric interpretation when it is a defined term, else undefined. */
export function definedPhotometric(value: string | undefined): string | undefined {
  const term = value?.trim().toUpperCase();
  return term && PHOTOMETRIC.has(term) ? term : undefined;
}

/**
 * The import's size limits, in one place so the README can quote them and every decoder checks the
 * same numbers. Each is checked against what a file *declares* (header sizes, frame counts, zip
 * entry sizes) before anything of that size is allocated, and again while decompressing, since a
 * declared size can lie: a 3 MB file must never be allowed to grow into gigabytes of memory.
 */

/** Widest or tallest image (pixels) any format may declare. */
export const MAX_IMAGE_SIDE = 8000;

/**
 * Most bytes one decompressed stream may produce: an .npz entry, a .nii.gz, a deflated DICOM data
 * set, a PNG's image data. 512 MiB holds a 512×512×512 float32 volume or a 28 px MedMNIST set of
 * 600k images; a browser tab could not keep much more next to the decoded copy.
 */
export const MAX_INFLATED_BYTES = 512 * 1024 * 1024;

/** Most voxels of a NIfTI file (all volumes together); each becomes a 4-byte float while slicing. */
export const MAX_VOXELS = 128 * 1024 * 1024;

/** Most frames one DICOM file may declare (NumberOfFrames). */
export const MAX_FRAMES = 10_000;

/** Most images one file may turn into (NIfTI slices × volumes, DICOM frames, npz rows). */
export const MAX_IMAGES_PER_FILE = 200_000;

/** Most classes of one dataset: labels are stored as one byte (datasets and the npz export). */
export const MAX_CLASSES = 256;

const MIB = 1024 * 1024;
/** "512 MiB", for messages. */
export const formatBytes = (bytes: number): string => (bytes >= MIB ? `${Math.round(bytes / MIB)} MiB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} bytes`);

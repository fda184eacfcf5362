/** The small part of dcmjs (no types of its own) the synthetic DICOM writer uses, and its tests read back with. */
declare module 'dcmjs' {
  interface DicomDictInstance {
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: new (meta: Record<string, unknown>) => DicomDictInstance;
      DicomMetaDictionary: {
        denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
        naturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
      };
      DicomMessage: { readFile(buffer: ArrayBuffer): DicomDictInstance };
    };
  };
  export default dcmjs;
}

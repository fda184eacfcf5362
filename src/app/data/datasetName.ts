/**
 * The name an imported dataset gets when the user types none. It never comes from a folder or file
 * name: those often name a patient, and the dataset's name travels on into the synthetic sets made
 * from it and into the names of their downloads.
 */
export function defaultDatasetName(size: number): string {
  return `Imported scans (${size} px)`;
}

/**
 * Turns a drop or a file picker into files with their folder-relative paths, which carry the
 * labels when scans are sorted into one folder per class.
 */
export interface PickedFile {
  file: File;
  name: string;
  relativePath: string;
}

export function fromFileList(list: FileList | File[]): PickedFile[] {
  return Array.from(list, (file) => ({ file, name: file.name, relativePath: file.webkitRelativePath || file.name }));
}

/** Walks dropped folders recursively; falls back to the flat file list where entries are unavailable. */
export async function fromDrop(transfer: DataTransfer): Promise<PickedFile[]> {
  const entries = Array.from(transfer.items ?? [])
    .map((item) => item.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return fromFileList(transfer.files);
  const out: PickedFile[] = [];
  for (const entry of entries) await walk(entry, out);
  return out;
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, name: file.name, relativePath: entry.fullPath.replace(/^\//, '') });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns batches (100 in Chromium) until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, out);
  }
}

/** Saves bytes or text as a file through the browser's download, from a blob: URL (our own origin). */
export function download(fileName: string, data: BlobPart, type: string): void {
  // A Blob is used as it is (a large export is not copied again); other data is wrapped in one.
  const url = URL.createObjectURL(data instanceof Blob && data.type === type ? data : new Blob([data], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // The download has started by the time the timer fires; revoking frees the blob.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name from a user-given name: letters, digits, dot, dash and underscore only. */
export const safeFileName = (name: string) => name.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Reading what the user drops or picks: image folders (root/<class>/*) and model files. */
import type { FolderFile } from '../engine/protocol.js';

const IMAGE = /\.(png|jpe?g)$/i;

/** Files with their path inside the dropped or picked folder ('root/class/x.png'). */
export interface PathFile {
  path: string;
  file: File;
}

/** An `<input type=file webkitdirectory>` selection, with each file's relative path. */
export function pickedFiles(list: FileList): PathFile[] {
  return Array.from(list, (file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** Every file under the dropped items, walking folders. */
export async function droppedFiles(items: DataTransferItemList): Promise<PathFile[]> {
  const entries = Array.from(items, (item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const out: PathFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ path: prefix + entry.name, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
        if (batch.length === 0) break;
        for (const child of batch) await walk(child, `${prefix}${entry.name}/`);
      }
    }
  };
  for (const entry of entries) await walk(entry, '');
  return out;
}

/**
 * The images of an image folder: the class is the folder that holds the image (root/<class>/x.png,
 * or root/train/<class>/x.png). Other files are left out and counted.
 */
export async function folderImages(files: PathFile[]): Promise<{ images: FolderFile[]; ignored: number }> {
  const images: FolderFile[] = [];
  let ignored = 0;
  for (const { path, file } of files) {
    const parts = path.split('/').filter((p) => p !== '');
    if (!IMAGE.test(file.name) || parts.length < 2) {
      ignored++;
      continue;
    }
    images.push({ className: parts[parts.length - 2], name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
  }
  return { images, ignored };
}

/** Offers bytes as a download. */
export function download(bytes: Uint8Array, fileName: string, type = 'application/zip'): void {
  const url = URL.createObjectURL(new Blob([bytes.slice()], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

import { api } from './client';

/** Saves an authenticated GET as a file (a plain link would not carry the bearer token). */
export async function download(path: string, filename: string): Promise<void> {
  const text = await api.text(path);
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  URL.revokeObjectURL(url);
}

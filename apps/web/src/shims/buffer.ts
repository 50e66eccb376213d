/**
 * The browser's stand-in for `node:buffer` (vite.config.ts alias). libs/csv-merge's bytes.ts needs
 * only `Buffer.from(text, 'latin1')` (the low byte of each char), and the console's code paths
 * (parse, validate) do not even call it; this keeps the shared module loadable without a polyfill.
 */
export const Buffer = {
  from(text: string, _encoding: 'latin1'): Uint8Array {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
    return bytes;
  },
};

import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react-swc';
import { defineConfig } from 'vitest/config';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
/** `npm run dev:web` proxies REST and the socket to this API (start it with `npm run start:api`). */
const apiTarget = process.env.LINBO_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: here('.'),
  plugins: [react()],
  resolve: {
    alias: [
      // the console runs the same devices.csv code as the API and the CLI (shared, not copied)
      { find: /^@app\/csv-merge\/(.*)$/, replacement: here('../../libs/csv-merge/src/$1') },
      // bytes.ts imports node:buffer for the merge's hot path; the browser only needs Buffer.from(latin1)
      { find: 'node:buffer', replacement: here('src/shims/buffer.ts') },
    ],
  },
  build: {
    outDir: here('../../dist/web'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 900,
    reportCompressedSize: false,
  },
  server: {
    proxy: {
      '/api': { target: apiTarget, changeOrigin: true },
      '/ws': { target: apiTarget.replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.tsx', 'src/**/*.test.ts'],
    setupFiles: ['src/test/setup.ts'],
    css: false,
  },
});

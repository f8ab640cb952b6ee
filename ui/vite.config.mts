// Builds the web console into ui/dist, served by the api under /console/ (src/api/console.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react-swc';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  plugins: [react()],
  resolve: {
    // The api's request schemas, so forms validate exactly as the server does.
    alias: { '@api': path.resolve(here, '../src/api/schemas') },
  },
  html: {
    // Replaced per response by the api with a fresh nonce named in the CSP header.
    cspNonce: '__CSP_NONCE__',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Mantine and the charts make one large vendor chunk; it is cached for good (hashed name).
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/api': 'http://127.0.0.1:3000' },
  },
});

import { defineConfig } from 'vitest/config';

// The mock API (dev/mock-server.mjs) or a real `calibra serve` answers /api during `npm run dev`.
const apiTarget = process.env.CALIBRA_API ?? 'http://127.0.0.1:8090';

export default defineConfig({
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    chunkSizeWarningLimit: 600,
  },
  server: {
    port: 5173,
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});

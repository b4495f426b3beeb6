/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The dev server proxies the API and the WebSocket hub to standalone (or the gateway) on :8080.
const backend = process.env.ANDON_BACKEND ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    port: 5173,
    proxy: {
      // The API sees the backend's own host name (tokens are issued and checked for it).
      '/api': { target: backend, changeOrigin: true },
      // The gateway accepts WebSocket upgrades only from its own origin: present the backend's.
      '/ws': {
        target: backend,
        ws: true,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReqWs', (proxyReq) => proxyReq.setHeader('origin', new URL(backend).origin));
        },
      },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    reporters: ['default', 'junit'],
    outputFile: { junit: './test-results/unit.xml' },
  },
});

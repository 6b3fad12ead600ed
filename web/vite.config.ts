/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `VTOC_API_URL` lets `npm run dev` proxy /api to a running `vtoc server run`.
export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": process.env.VTOC_API_URL ?? "http://127.0.0.1:8000" },
  },
  // Hashed files go under /static/, not Vite's default /assets/, which is the Assets page's
  // route: a deep link such as /assets/3 must reach the SPA, not the file server's 404.
  build: { sourcemap: false, chunkSizeWarningLimit: 400, assetsDir: "static" },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
  },
});

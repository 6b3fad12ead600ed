import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { ApiError, tokenStore } from "./api/client";
import { App } from "./App";
import { AuthProvider, resolveIdentity, type Identity } from "./auth";
import "./styles.css";

const queries = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      // A 4xx will not get better by asking again.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    },
  },
});

async function start() {
  // A reload keeps the session: the stored token is checked again before the first page.
  const stored = tokenStore.get();
  let identity: Identity | null = null;
  if (stored) {
    identity = await resolveIdentity(stored).catch(() => {
      tokenStore.clear();
      return null;
    });
  }
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <QueryClientProvider client={queries}>
        <AuthProvider initial={identity}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </AuthProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
}

void start();

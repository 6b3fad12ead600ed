// Routes: each page is its own chunk (code-split), loaded when first visited.
import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router-dom";
import { useAuth } from "./auth";
import { Layout } from "./components/Layout";
import SignIn from "./pages/SignIn";

const Dashboard = lazy(() => import("./pages/Dashboard"));
const Operations = lazy(() => import("./pages/Operations"));
const OperationDetail = lazy(() => import("./pages/OperationDetail"));
const Missions = lazy(() => import("./pages/Missions"));
const Assets = lazy(() => import("./pages/Assets"));
const Intelligence = lazy(() => import("./pages/Intelligence"));
const Correlations = lazy(() => import("./pages/Correlations"));
const Agents = lazy(() => import("./pages/Agents"));

export function App() {
  const { identity } = useAuth();
  if (!identity) return <SignIn />;
  return (
    <Suspense fallback={<p role="status">Loading…</p>}>
      <Routes>
        <Route element={<Layout />}>
          <Route index element={<Dashboard />} />
          <Route path="operations" element={<Operations />} />
          <Route path="operations/:id" element={<OperationDetail />} />
          <Route path="missions" element={<Missions />} />
          <Route path="missions/:id" element={<Missions />} />
          <Route path="assets" element={<Assets />} />
          <Route path="assets/:id" element={<Assets />} />
          <Route path="intel" element={<Intelligence />} />
          <Route path="intel/:id" element={<Intelligence />} />
          <Route path="correlations" element={<Correlations />} />
          <Route path="correlations/:id" element={<Correlations />} />
          <Route path="agents" element={<Agents />} />
          <Route path="agents/:id" element={<Agents />} />
          <Route path="*" element={<p>There is no page here.</p>} />
        </Route>
      </Routes>
    </Suspense>
  );
}

// The frame of every signed-in page: skip link, navigation, live status, who is signed in.
import { NavLink, Outlet } from "react-router-dom";
import { useAuth } from "../auth";
import { useLiveUpdates } from "../live";

const NAV = [
  ["/", "Dashboard"],
  ["/operations", "Operations"],
  ["/missions", "Missions"],
  ["/assets", "Assets"],
  ["/intel", "Intelligence"],
  ["/correlations", "Correlations"],
  ["/agents", "Agents"],
] as const;

export function Layout() {
  const { identity, signOut } = useAuth();
  const live = useLiveUpdates();
  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">vTOC</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([to, label]) => (
              <li key={to}>
                <NavLink to={to} end={to === "/"}>
                  {label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <span className={`live live-${live}`} role="status" aria-live="polite">
          {live === "live" ? "● live" : live === "connecting" ? "○ connecting" : "○ offline"}
        </span>
        <span className="who">
          {identity?.name} <span className="badge">{identity?.role}</span>
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}

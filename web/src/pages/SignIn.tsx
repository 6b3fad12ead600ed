// Sign in with an API token; it is checked with `whoami` and kept in sessionStorage only.
import { useState, type FormEvent } from "react";
import { useAuth } from "../auth";
import { ErrorNote, Field } from "../components/ui";

export default function SignIn() {
  const { signIn } = useAuth();
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(token.trim());
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin">
      <h1>vTOC</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <Field label="API token">
          <input
            type="password"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            required
            autoFocus
          />
        </Field>
        <p className="muted">
          Create one with <code>vtoc server token create --name NAME --role operator</code>.
        </p>
        <button type="submit" disabled={busy || !token.trim()}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}

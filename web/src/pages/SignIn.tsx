import { useState, type FormEvent } from 'react';
import { api, errorText, type Session } from '../api/client.ts';

/** Sign in with a token; the server answers with a session id in an HttpOnly cookie (neither the page nor the cookie keeps the token). */
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const res = await api.POST('/api/session', { body: { token } });
    if (res.data) onSignedIn(res.data);
    else setError(errorText(res.error));
  };
  return (
    <main className="signin">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Berth</h1>
        <label htmlFor="token">Token</label>
        <input id="token" type="password" autoComplete="off" required value={token} onChange={(e) => setToken(e.target.value)} aria-describedby="token-help token-error" />
        <p id="token-help" className="help">An admin token (BERTH_ADMIN_TOKEN) or a project token from <code>berth token create</code>.</p>
        {error && <p id="token-error" role="alert" className="error">{error}</p>}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

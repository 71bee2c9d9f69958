'use client';

import { type FormEvent, useState } from 'react';
import { Alert } from '@/app/_components/alert';
import { Button } from '@/app/_components/button';
import { TextField } from '@/app/_components/text-field';
import { authRequest } from '@/app/_lib/auth-client';

export function SignInForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await authRequest('/sign-in/email', {
      email: String(form.get('email') ?? '').trim(),
      password: String(form.get('password') ?? ''),
    });
    if (result.ok) {
      // A full load: the layout reads the new session on the server.
      window.location.assign(next);
      return;
    }
    setPending(false);
    setError(result.message);
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-4" data-testid="sign-in-form">
      {error && <Alert tone="error" title={error} data-testid="sign-in-error" />}
      <TextField
        label="Email"
        name="email"
        type="email"
        required
        autoComplete="email"
        autoFocus
        data-testid="sign-in-email"
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        required
        autoComplete="current-password"
        data-testid="sign-in-password"
      />
      <Button
        type="submit"
        variant="primary"
        className="w-full"
        pending={pending}
        data-testid="sign-in-submit"
      >
        Sign in
      </Button>
    </form>
  );
}

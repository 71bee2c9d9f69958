'use client';

import { type FormEvent, useState } from 'react';
import { Alert } from '@/app/_components/alert';
import { Button } from '@/app/_components/button';
import { TextField } from '@/app/_components/text-field';
import { authRequest } from '@/app/_lib/auth-client';

/**
 * Creates an account: the owner's on a fresh instance, or a teammate's
 * through an invite (its token travels with the request; the server
 * decides the role). Signed in straight away.
 */
export function SignUpForm({
  inviteToken,
  submitLabel,
}: {
  inviteToken?: string;
  submitLabel: string;
}) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password.length < 8) {
      setError('The password needs at least 8 characters');
      return;
    }
    setPending(true);
    setError(null);
    const result = await authRequest('/sign-up/email', {
      name: String(form.get('name') ?? '').trim(),
      email: String(form.get('email') ?? '').trim(),
      password,
      ...(inviteToken ? { inviteToken } : {}),
    });
    if (result.ok) {
      // A full load: the layout reads the new session on the server.
      window.location.assign('/');
      return;
    }
    setPending(false);
    setError(result.message);
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="space-y-4" data-testid="sign-up-form">
      {error && <Alert tone="error" title={error} data-testid="sign-up-error" />}
      <TextField label="Name" name="name" required autoComplete="name" data-testid="sign-up-name" />
      <TextField
        label="Email"
        name="email"
        type="email"
        required
        autoComplete="email"
        data-testid="sign-up-email"
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        required
        minLength={8}
        autoComplete="new-password"
        hint="At least 8 characters"
        data-testid="sign-up-password"
      />
      <Button
        type="submit"
        variant="primary"
        className="w-full"
        pending={pending}
        data-testid="sign-up-submit"
      >
        {submitLabel}
      </Button>
    </form>
  );
}

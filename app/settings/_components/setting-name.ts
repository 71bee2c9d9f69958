/** Same rule as the server's settingNameSchema, checked before sending. */
export function nameProblem(name: string): string | null {
  if (name === '') return 'Name is required';
  if (name.length > 100) return 'Name is too long (100 characters at most)';
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
    return 'Name must start with a letter or _ and use only letters, digits, _ and - (e.g. API_TOKEN)';
  }
  return null;
}

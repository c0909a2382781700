import {
  ACCESS_KEY_ALPHABET,
  ACCESS_KEY_LENGTH,
  generateMinioCredentials,
  SECRET_KEY_ALPHABET,
  SECRET_KEY_LENGTH,
} from '../../lib/runtime/generate-credentials';

describe('generateMinioCredentials', () => {
  test('keys fit MinIO: access key 20 of [0-9A-Z] (3..20 allowed), secret 40 alphanumerics (8..40 allowed)', () => {
    for (let i = 0; i < 200; i++) {
      const { accessKeyId, secretKey } = generateMinioCredentials();
      expect(accessKeyId).toMatch(/^[0-9A-Z]{20}$/);
      expect(secretKey).toMatch(/^[A-Za-z0-9]{40}$/);
    }
    expect([ACCESS_KEY_LENGTH, SECRET_KEY_LENGTH]).toEqual([20, 40]);
  });

  test('every symbol of each alphabet is drawn, and two draws differ', () => {
    const access = new Set<string>();
    const secret = new Set<string>();
    const secrets = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const pair = generateMinioCredentials();
      for (const c of pair.accessKeyId) access.add(c);
      for (const c of pair.secretKey) secret.add(c);
      secrets.add(pair.secretKey);
    }
    expect(access.size).toBe(ACCESS_KEY_ALPHABET.length);
    expect(secret.size).toBe(SECRET_KEY_ALPHABET.length);
    expect(secrets.size).toBe(500);
  });
});
